"use strict";

(() => {
  const form = document.getElementById("forgot-form");
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const button = form.querySelector("button");
    button.disabled = true;
    const result = await Latchkey.api("POST", "/api/1/auth/password-reset", { email: form.elements.email.value });
    button.disabled = false;
    if (result.status === 202) {
      Latchkey.say("If an account uses this address, a link is on its way. It works once, for a short time. Check your spam folder too.");
      form.hidden = true;
      return;
    }
    Latchkey.say(Latchkey.errorMessage(result), true);
  });
})();
