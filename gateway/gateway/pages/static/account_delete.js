"use strict";

// Delete your account: a dialog names what is lost and asks for the password again.
(() => {
  // The error, and each field's problem after it.
  function problemText(result) {
    const data = result.data || {};
    const fields = (data.error && data.error.fields) || {};
    const named = Object.entries(fields).map(([field, text]) => field + " " + text);
    return [Latchkey.errorMessage(result), ...named].join(" · ");
  }

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
    const result = await Latchkey.api("DELETE", "/api/1/users/me", { password: form.elements.password.value });
    button.disabled = false;
    if (result.status === 401) return Latchkey.signInAgain();
    if (!result.ok) return showProblem(problemText(result));
    dialog.close();
    document.getElementById("delete-intro").hidden = true;
    Latchkey.say("Your account has been deleted. You are signed out everywhere.");
  });
})();
