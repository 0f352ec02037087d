"use strict";

// /signup: the same answer whether or not the address has an account; the mail says what comes next.
(() => {
  const form = document.getElementById("signup-form");
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const button = form.querySelector("button");
    button.disabled = true;
    const body = { email: form.elements.email.value.trim(), password: form.elements.password.value };
    if (form.elements.name.value.trim()) body.name = form.elements.name.value.trim();
    const result = await Latchkey.api("POST", "/api/1/users", body);
    button.disabled = false;
    if (!result.ok) {
      const fields = Latchkey.errorFields ? Latchkey.errorFields(result) : {};
      const named = Object.entries(fields).map(([field, text]) => field + " " + text);
      return Latchkey.say([Latchkey.errorMessage(result), ...named].join(" · "), true);
    }
    form.hidden = true;
    const next = Latchkey.payload(result).verificationRequired ? "Open it to confirm your address, then sign in." : "You can sign in now.";
    Latchkey.say("We sent a message to " + body.email + ". " + next);
  });
})();
