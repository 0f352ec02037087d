// Shared by every page: JSON calls through the gateway with the session cookie, the header
// (who is signed in, Sign out), messages, field errors, pending buttons, dialogs, Copy and Show/Hide.
// Same-origin fetches send Origin, which the gateway's CSRF check needs.
"use strict";

const Latchkey = {
  async api(method, path, body) {
    const init = { method, credentials: "same-origin", headers: { Accept: "application/json" } };
    if (body !== undefined) {
      init.headers["Content-Type"] = "application/json";
      init.body = JSON.stringify(body);
    }
    let response;
    try {
      response = await fetch(path, init);
    } catch (error) {
      return { ok: false, status: 0, data: null, retryAfter: null };
    }
    const text = await response.text();
    let data = null;
    try { data = text ? JSON.parse(text) : null; } catch (error) { data = null; }
    const retryAfter = Number(response.headers.get("Retry-After")) || null;
    return { ok: response.ok, status: response.status, data, retryAfter };
  },

  // The account API wraps data in {success, data}; the other families answer plain JSON.
  payload(result) {
    const data = result.data;
    return data && typeof data === "object" && "success" in data ? data.data : data;
  },

  // The machine code of an error, whichever family answered.
  errorCode(result) {
    const data = result.data || {};
    return (data.error && data.error.code) || data.code || "";
  },

  // The per-field problems of a validation error ({field: text}), or {}.
  errorFields(result) {
    const data = result.data || {};
    const fields = (data.error && data.error.fields) || data.fields;
    return fields && typeof fields === "object" ? fields : {};
  },

  waitText(seconds) {
    const minutes = Math.ceil(seconds / 60);
    if (seconds < 60) return "in " + seconds + (seconds === 1 ? " second" : " seconds");
    return "in " + minutes + (minutes === 1 ? " minute" : " minutes");
  },

  // One sentence a person can act on.
  errorMessage(result) {
    const code = Latchkey.errorCode(result);
    if (result.status === 0) return "Latchkey cannot be reached. Check your connection and try again.";
    if (result.status === 429) {
      return "Too many attempts. Try again " + Latchkey.waitText(result.retryAfter || 60) + ".";
    }
    if (code === "csrf_rejected") return "This page is out of date. Reload it and try again.";
    if (code === "validation_failed") return "Please correct the highlighted fields.";
    if (result.status >= 500) return "Something went wrong on our side. Please try again in a moment.";
    const data = result.data || {};
    if (data.error && data.error.message) return data.error.message;
    if (data.title) return data.title;
    return "Something went wrong (HTTP " + result.status + ").";
  },

  // The page's message box; `isError` makes it an alert and moves focus there so it is read out.
  say(text, isError, box) {
    box = box || document.getElementById("message");
    if (!box) return;
    box.textContent = text || "";
    box.hidden = !text;
    box.classList.toggle("error", Boolean(isError));
    box.setAttribute("role", isError ? "alert" : "status");
    if (text && isError) {
      box.tabIndex = -1;
      box.focus();
    }
  },

  // Field errors beside their fields: aria-invalid, aria-describedby, the first bad field focused.
  clearFieldErrors(form) {
    for (const input of form.querySelectorAll("[aria-invalid]")) input.removeAttribute("aria-invalid");
    for (const note of form.querySelectorAll(".field-error")) note.textContent = "";
  },

  showFieldErrors(form, fields, labels) {
    Latchkey.clearFieldErrors(form);
    let first = null;
    for (const [name, problem] of Object.entries(fields)) {
      const input = form.elements[name];
      const note = document.getElementById(form.id + "-" + name + "-error");
      if (!input || !note) continue;
      // With labels, `problem` is the API's phrase ("is required"); without, a whole sentence already.
      note.textContent = labels ? ((labels[name] || "This field") + " " + problem + ".") : problem;
      input.setAttribute("aria-invalid", "true");
      first = first || input;
    }
    if (first) first.focus();
    return first !== null;
  },

  // A failed submit: field errors where the server named fields, else the message box (focused).
  formFailed(form, result, labels) {
    if (Latchkey.errorCode(result) === "validation_failed" && Latchkey.showFieldErrors(form, Latchkey.errorFields(result), labels)) {
      Latchkey.say("");
      return;
    }
    Latchkey.say(Latchkey.errorMessage(result), true);
  },

  // The button shows progress and cannot be pressed twice; call the returned function to restore it.
  pending(button, busyLabel) {
    const label = button.textContent;
    button.disabled = true;
    button.setAttribute("aria-busy", "true");
    if (busyLabel) button.textContent = busyLabel;
    return () => {
      button.disabled = false;
      button.removeAttribute("aria-busy");
      button.textContent = label;
    };
  },

  // An in-page confirmation that says what will happen; resolves true when confirmed.
  confirm({ title, body, action }) {
    const dialog = document.getElementById("confirm-dialog");
    document.getElementById("confirm-title").textContent = title;
    document.getElementById("confirm-body").textContent = body;
    document.getElementById("confirm-ok").textContent = action;
    const opener = document.activeElement;
    return new Promise((resolve) => {
      dialog.addEventListener("close", () => {
        if (opener && opener.focus) opener.focus();
        resolve(dialog.returnValue === "confirm");
      }, { once: true });
      dialog.returnValue = "";
      dialog.showModal();
      document.getElementById("confirm-cancel").focus();
    });
  },

  async copy(text, feedback) {
    let copied = false;
    try {
      await navigator.clipboard.writeText(text);
      copied = true;
    } catch (error) {
      copied = false;
    }
    if (feedback) {
      feedback.textContent = copied ? "Copied." : "Copy did not work: select the text and copy it yourself.";
      setTimeout(() => { feedback.textContent = ""; }, 4000);
    }
    return copied;
  },

  // A secret shown on demand: Show reveals it (fetching it once), Hide masks it again.
  secretToggle({ button, target, fetchSecret, copyButton, feedback }) {
    const mask = target.textContent;
    let secret = null;
    button.setAttribute("aria-controls", target.id);
    button.setAttribute("aria-expanded", "false");
    const show = (value) => {
      secret = value;
      target.textContent = value;
      button.textContent = "Hide";
      button.setAttribute("aria-expanded", "true");
      if (copyButton) copyButton.hidden = false;
    };
    button.addEventListener("click", async () => {
      if (button.getAttribute("aria-expanded") === "true") {
        target.textContent = mask;
        button.textContent = "Show";
        button.setAttribute("aria-expanded", "false");
        if (copyButton) copyButton.hidden = true;
        return;
      }
      const done = Latchkey.pending(button, "Loading…");
      const value = await fetchSecret();
      done();
      if (value) show(value);
    });
    if (copyButton) {
      copyButton.hidden = true;
      copyButton.addEventListener("click", () => Latchkey.copy(secret || "", feedback));
    }
    return { show };
  },

  // The session ended under the page: back to sign-in, saying why, then back here.
  signInAgain() {
    location.assign("/login?notice=session_expired&return_to=" + encodeURIComponent(location.pathname));
  },

  async signOut() {
    await Latchkey.api("DELETE", "/api/1/auth/session");
    location.assign("/login?notice=signed_out");
  },

  // Only a path on this site: the server validated it, this is a second fence.
  localPath(path) {
    return typeof path === "string" && /^\/(?![\/\\])/.test(path) && !/[\\\x00-\x1f]/.test(path) ? path : "/account";
  },

  el(tag, attributes, text) {
    const node = document.createElement(tag);
    for (const [name, value] of Object.entries(attributes || {})) node.setAttribute(name, value);
    if (text !== undefined) node.textContent = text;
    return node;
  },

  // Who is signed in, once per page: {user, organization} or null. Pages await it instead of asking again.
  whoami: null,

  async loadWhoami() {
    const me = await Latchkey.api("GET", "/api/1/users/me");
    if (!me.ok) return null;
    const user = Latchkey.payload(me);
    let organization = null;
    if (user.partnerid) {
      const org = await Latchkey.api("GET", "/api/organizations/mine");
      if (org.ok && org.data) organization = org.data;
    }
    return { user, organization };
  },

  showHeader(who) {
    const signedIn = document.getElementById("nav-signed-in");
    document.getElementById("nav-sign-in").hidden = Boolean(who) || location.pathname === "/login";
    signedIn.hidden = !who;
    if (!who) return;
    document.getElementById("whoami").textContent = who.user.email || who.user.name || who.user.userName || "you";
    const orgLink = document.getElementById("nav-organization");
    if (who.organization && who.organization.admin) {
      orgLink.href = "/organization/" + encodeURIComponent(who.organization.orgId) + "/settings";
      orgLink.textContent = who.organization.name || who.organization.orgId;
      orgLink.hidden = false;
    }
  },
};

Latchkey.whoami = Latchkey.loadWhoami();
Latchkey.whoami.then((who) => Latchkey.showHeader(who));
document.getElementById("nav-sign-out").addEventListener("click", (event) => {
  Latchkey.pending(event.currentTarget, "Signing out…");
  Latchkey.signOut();
});
// A page whose address carried something that must not stay there (a spent handoff token) names its clean address.
(() => {
  const address = document.getElementById("page").dataset.address;
  if (address && Latchkey.localPath(address) === address) history.replaceState(null, "", address);
})();
