"use strict";

// The account's own pages: edit the profile (/account/profile) and delete the account (/account/delete).
(() => {
  // The error, and each field's problem after it.
  function problemText(result) {
    const data = result.data || {};
    const fields = (data.error && data.error.fields) || {};
    const named = Object.entries(fields).map(([field, text]) => field + " " + text);
    return [Latchkey.errorMessage(result), ...named].join(" · ");
  }

  function profilePage() {
    const form = document.getElementById("profile-form");

    async function load() {
      const result = await Latchkey.api("GET", "/api/1/users/me");
      if (result.status === 401) return Latchkey.signInAgain();
      if (!result.ok) return Latchkey.say(Latchkey.errorMessage(result), true);
      const user = Latchkey.payload(result);
      form.elements.name.value = user.name || "";
      form.elements.picture.value = user.picture || "";
      document.getElementById("current-email").textContent = user.email || "none";
    }

    const emailForm = document.getElementById("email-form");
    const emailBox = document.getElementById("email-message");
    emailForm.addEventListener("submit", async (event) => {
      event.preventDefault();
      const button = emailForm.querySelector("button");
      button.disabled = true;
      const newEmail = emailForm.elements.newEmail.value.trim();
      const result = await Latchkey.api("POST", "/api/1/users/me/email", { newEmail, password: emailForm.elements.password.value });
      button.disabled = false;
      if (result.status === 401) return Latchkey.signInAgain();
      if (result.ok) emailForm.reset();
      Latchkey.say(result.ok ? "We sent a link to " + newEmail + ". Open it to finish the change." : problemText(result), !result.ok, emailBox);
    });

    form.addEventListener("submit", async (event) => {
      event.preventDefault();
      const button = form.querySelector("button");
      button.disabled = true;
      const result = await Latchkey.api("PATCH", "/api/1/users/me", {
        name: form.elements.name.value,
        picture: form.elements.picture.value.trim() || null,
      });
      button.disabled = false;
      if (result.status === 401) return Latchkey.signInAgain();
      Latchkey.say(result.ok ? "Saved." : problemText(result), !result.ok);
    });

    load();
  }

  function deletePage() {
    const dialog = document.getElementById("delete-dialog");
    const form = document.getElementById("delete-form");
    const problem = document.getElementById("delete-problem");

    function showProblem(text) {
      problem.textContent = text || "";
      problem.hidden = !text;
    }

    (async () => {
      const result = await Latchkey.api("GET", "/api/1/users/me");
      if (result.status === 401) return Latchkey.signInAgain();
      if (result.ok && Latchkey.payload(result).email) {
        document.getElementById("delete-email").textContent = Latchkey.payload(result).email;
      }
      // With two-factor sign-in on, deletion asks for a fresh code too.
      const mfa = await Latchkey.api("GET", "/api/1/users/me/mfa");
      document.getElementById("delete-code-field").hidden = !(mfa.ok && Latchkey.payload(mfa).totp.enabled);
    })();

    document.getElementById("delete-open").addEventListener("click", () => {
      showProblem("");
      form.reset();
      dialog.showModal();
    });
    document.getElementById("delete-cancel").addEventListener("click", () => dialog.close());

    form.addEventListener("submit", async (event) => {
      event.preventDefault();
      const button = document.getElementById("delete-confirm");
      button.disabled = true;
      const body = { password: form.elements.password.value };
      if (!document.getElementById("delete-code-field").hidden) body.code = form.elements.code.value.trim();
      const result = await Latchkey.api("DELETE", "/api/1/users/me", body);
      button.disabled = false;
      if (result.status === 401) return Latchkey.signInAgain();
      if (!result.ok) return showProblem(problemText(result));
      dialog.close();
      document.getElementById("delete-intro").hidden = true;
      Latchkey.say("Your account has been deleted. You are signed out everywhere.");
    });
  }

  if (document.getElementById("profile-form")) profilePage();
  if (document.getElementById("delete-dialog")) deletePage();
})();
