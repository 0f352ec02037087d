"use strict";

// The account page's security sections: email confirmation, password change, sessions, security log.
document.addEventListener("DOMContentLoaded", () => {
  const api = Latchkey.api;

  function failed(result) {
    if (result.status === 401) return Latchkey.signInAgain();
    Latchkey.say(Latchkey.errorMessage(result), true);
  }

  // --- email confirmation ---
  async function loadEmailStatus() {
    const result = await api("GET", "/api/1/users/me");
    if (!result.ok) return;
    const user = Latchkey.payload(result);
    if (!user.email) return;
    document.getElementById("email-status").hidden = false;
    document.getElementById("email-verified-text").textContent =
      user.emailVerified ? user.email + " is confirmed." : user.email + " is not confirmed yet.";
    document.getElementById("email-verify").hidden = Boolean(user.emailVerified);
  }
  document.getElementById("email-verify").addEventListener("click", async () => {
    const result = await api("POST", "/api/1/users/me/email/verification");
    if (!result.ok) return failed(result);
    Latchkey.say("A confirmation link is on its way to your email address.");
  });

  // --- password ---
  const passwordForm = document.getElementById("password-change-form");
  Latchkey.passwordStrength(passwordForm.elements.newPassword, document.getElementById("password-strength"));
  passwordForm.addEventListener("submit", async (event) => {
    event.preventDefault();
    const button = passwordForm.querySelector("button");
    button.disabled = true;
    const result = await api("PUT", "/api/1/users/me/password", {
      currentPassword: passwordForm.elements.currentPassword.value,
      newPassword: passwordForm.elements.newPassword.value,
    });
    button.disabled = false;
    if (!result.ok) return failed(result);
    passwordForm.reset();
    const ended = Latchkey.payload(result).endedSessions || 0;
    Latchkey.say("Your password was changed." + (ended ? " " + ended + " other session(s) ended." : ""));
    loadSessions();
    loadEvents();
  });

  // --- sessions ---
  function sessionRow(session) {
    const item = Latchkey.el("li", { "data-session": session.id });
    const what = Latchkey.el("span", {}, (session.userAgent || "Unknown device") + (session.current ? " (this browser)" : ""));
    const details = [
      session.ip,
      "signed in " + new Date(session.createdAt).toLocaleString(),
      "last active " + new Date(session.lastSeenAt).toLocaleString(),
      session.methods.join(", "),
    ].filter(Boolean).join(" · ");
    const end = Latchkey.el("button", { type: "button", class: "danger" }, "Sign out");
    end.addEventListener("click", () => endSession(session));
    item.append(what, Latchkey.el("span", { class: "hint" }, details), end);
    return item;
  }

  let sessions = [];
  async function loadSessions() {
    const result = await api("GET", "/api/1/auth/sessions");
    if (!result.ok) return failed(result);
    sessions = Latchkey.payload(result).sessions;
    document.getElementById("session-list").replaceChildren(...sessions.map(sessionRow));
    document.getElementById("sign-out-others").disabled = !sessions.some((s) => !s.current);
  }

  async function endSession(session) {
    const result = await api("DELETE", "/api/1/auth/sessions/" + encodeURIComponent(session.id));
    if (!result.ok) return failed(result);
    if (session.current) return location.assign("/login");
    Latchkey.say("That session has ended.");
    loadSessions();
    loadEvents();
  }

  document.getElementById("sign-out-others").addEventListener("click", async () => {
    for (const session of sessions.filter((s) => !s.current)) {
      const result = await api("DELETE", "/api/1/auth/sessions/" + encodeURIComponent(session.id));
      if (!result.ok && result.status !== 404) return failed(result);
    }
    Latchkey.say("Every other session has ended.");
    loadSessions();
    loadEvents();
  });
  // --- security log ---
  function loadEvents() {
    return Latchkey.securityLog({
      url: "/api/1/users/me/events",
      list: document.getElementById("event-list"),
      none: document.getElementById("event-none"),
      more: document.getElementById("event-more"),
      unwrap: Latchkey.payload,
      onError: failed,
    });
  }

  loadEmailStatus();
  loadSessions();
  loadEvents();
});
