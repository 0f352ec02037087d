"use strict";

// Two-factor sign-in on the account page: set up (QR code, key, first code), recovery codes once, turn off.
(() => {
  const api = Latchkey.api;
  const message = document.getElementById("mfa-message");
  const parts = ["mfa-off", "mfa-enrol", "mfa-codes", "mfa-on"];
  const confirmForm = document.getElementById("mfa-confirm-form");
  const disableForm = document.getElementById("mfa-disable-form");
  let recoveryCodes = [];

  function show(part) {
    for (const id of parts) document.getElementById(id).hidden = id !== part;
  }

  function say(text, isError) {
    Latchkey.say(text, isError, message);
  }

  async function load() {
    const result = await api("GET", "/api/1/users/me/mfa");
    if (!result.ok) return;
    const totp = Latchkey.payload(result).totp;
    if (!totp.enabled) return show("mfa-off");
    const left = totp.recoveryCodesLeft;
    document.getElementById("mfa-codes-left").textContent =
      left + (left === 1 ? " recovery code is" : " recovery codes are") + " left.";
    show("mfa-on");
  }

  // The QR code is SVG drawn by the server; it is parsed as an SVG document (never as HTML) before it is shown.
  function showQr(svgText) {
    const parsed = new DOMParser().parseFromString(svgText, "image/svg+xml");
    const svg = parsed.documentElement;
    const box = document.getElementById("mfa-qr");
    box.replaceChildren();
    if (svg.nodeName.toLowerCase() !== "svg" || svg.querySelector("script, foreignObject")) return;
    svg.setAttribute("role", "img");
    svg.setAttribute("aria-label", "QR code for your authenticator app");
    box.appendChild(document.importNode(svg, true));
  }

  document.getElementById("mfa-begin").addEventListener("click", async (event) => {
    const done = Latchkey.pending(event.currentTarget, "Preparing…");
    const result = await api("POST", "/api/1/users/me/mfa/totp");
    done();
    if (result.status === 401) return Latchkey.signInAgain();
    if (!result.ok) return say(Latchkey.errorMessage(result), true);
    const enrolment = Latchkey.payload(result);
    showQr(enrolment.qrSvg);
    document.getElementById("mfa-secret").textContent = enrolment.secret.replace(/(.{4})/g, "$1 ").trim();
    say("");
    show("mfa-enrol");
    confirmForm.elements.code.focus();
  });
  document.getElementById("mfa-secret-copy").addEventListener("click", () =>
    Latchkey.copy(document.getElementById("mfa-secret").textContent.replace(/ /g, ""), document.getElementById("mfa-secret-feedback")));
  document.getElementById("mfa-enrol-cancel").addEventListener("click", () => {
    confirmForm.reset();
    Latchkey.clearFieldErrors(confirmForm);
    show("mfa-off");
    document.getElementById("mfa-begin").focus();
  });

  confirmForm.addEventListener("submit", async (event) => {
    event.preventDefault();
    Latchkey.clearFieldErrors(confirmForm);
    const code = confirmForm.elements.code.value.replace(/\s/g, "");
    if (!/^\d{6}$/.test(code)) {
      Latchkey.showFieldErrors(confirmForm, { code: "Enter the 6 digits your app shows." }, null);
      return;
    }
    const done = Latchkey.pending(confirmForm.querySelector("button[type=submit]"), "Checking…");
    const result = await api("POST", "/api/1/users/me/mfa/totp/confirm", { code });
    done();
    if (Latchkey.errorCode(result) === "validation_failed") {
      Latchkey.showFieldErrors(confirmForm, { code: "That code is not right. Check the app and enter the code it shows now." }, null);
      return;
    }
    if (!result.ok) return say(Latchkey.errorMessage(result), true);
    recoveryCodes = Latchkey.payload(result).recoveryCodes;
    const list = document.getElementById("mfa-codes-list");
    list.replaceChildren(...recoveryCodes.map((each) => Latchkey.el("li", {}, each)));
    confirmForm.reset();
    document.getElementById("mfa-qr").replaceChildren();
    document.getElementById("mfa-secret").textContent = "";
    show("mfa-codes");
    say("Two-factor sign-in is on.");
  });

  document.getElementById("mfa-codes-copy").addEventListener("click", () =>
    Latchkey.copy(recoveryCodes.join("\n"), document.getElementById("mfa-codes-feedback")));
  document.getElementById("mfa-codes-download").addEventListener("click", () => {
    const blob = new Blob(["Latchkey recovery codes (each works once)\n\n" + recoveryCodes.join("\n") + "\n"], { type: "text/plain" });
    const link = Latchkey.el("a", { href: URL.createObjectURL(blob), download: "latchkey-recovery-codes.txt" });
    document.body.appendChild(link);
    link.click();
    link.remove();
    document.getElementById("mfa-codes-feedback").textContent = "Downloaded latchkey-recovery-codes.txt.";
  });
  document.getElementById("mfa-codes-done").addEventListener("click", () => {
    // Shown once: gone from the page as soon as the user says they have them.
    recoveryCodes = [];
    document.getElementById("mfa-codes-list").replaceChildren();
    say("");
    load().then(() => document.getElementById("mfa-heading").focus());
  });

  disableForm.addEventListener("submit", async (event) => {
    event.preventDefault();
    Latchkey.clearFieldErrors(disableForm);
    const labels = { password: "Password", code: "Code" };
    const fields = {};
    if (!disableForm.elements.code.value.trim()) fields.code = "is required";
    if (Object.keys(fields).length) return Latchkey.showFieldErrors(disableForm, fields, labels);
    const confirmed = await Latchkey.confirm({
      title: "Turn off two-factor sign-in?",
      body: "Your password alone will sign you in again, and your recovery codes stop working.",
      action: "Turn off",
    });
    if (!confirmed) return;
    const done = Latchkey.pending(disableForm.querySelector("button[type=submit]"), "Turning off…");
    const result = await api("DELETE", "/api/1/users/me/mfa/totp", {
      password: disableForm.elements.password.value,
      code: disableForm.elements.code.value.trim(),
    });
    done();
    if (Latchkey.errorCode(result) === "validation_failed") {
      const plain = { password: "That password is not right.", code: "That code is not right, or it was already used." };
      const named = Object.keys(Latchkey.errorFields(result)).filter((name) => name in plain);
      Latchkey.showFieldErrors(disableForm, Object.fromEntries(named.map((name) => [name, plain[name]])), null);
      return;
    }
    if (!result.ok) return say(Latchkey.errorMessage(result), true);
    disableForm.reset();
    await load();
    say("Two-factor sign-in is off.");
    document.getElementById("mfa-begin").focus();
  });

  document.getElementById("mfa-heading").tabIndex = -1;
  Latchkey.whoami.then((who) => who && load());
})();
