"use strict";

// /reset-password?token=T: the token leaves the address bar (and the history entry) at once,
// before anything else runs, and lives only in this page's memory until it is spent.
(() => {
  const params = new URLSearchParams(location.search);
  const token = params.get("token") || "";
  if (params.has("token")) history.replaceState(null, "", location.pathname);

  document.addEventListener("DOMContentLoaded", () => {
    const form = document.getElementById("reset-form");
    Latchkey.passwordStrength(form.elements.newPassword, document.getElementById("reset-strength"));
    if (!token) {
      Latchkey.say("This page needs the link from the email. Ask for a new one below.", true);
      form.hidden = true;
      return;
    }
    form.addEventListener("submit", async (event) => {
      event.preventDefault();
      const button = form.querySelector("button");
      button.disabled = true;
      const result = await Latchkey.api("POST", "/api/1/auth/password-reset/confirm", { token, newPassword: form.elements.newPassword.value });
      button.disabled = false;
      if (result.ok) {
        location.assign("/login");
        return;
      }
      Latchkey.say(Latchkey.errorMessage(result), true);
    });
  });
})();
