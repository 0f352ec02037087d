"use strict";

// Sign in: password, then (for two-factor users) the code; notices for how the user got here.
(() => {
  const page = document.getElementById("page");
  const returnTo = Latchkey.localPath(page.dataset.returnTo);
  const passwordForm = document.getElementById("password-form");
  const mfaForm = document.getElementById("mfa-form");
  const labels = { email: "Email", password: "Password", code: "Code" };
  let mfaToken = null;

  function signedIn() {
    location.assign(returnTo);
  }

  function missing(form, names) {
    const fields = {};
    for (const name of names) if (!form.elements[name].value.trim()) fields[name] = "is required";
    if (Object.keys(fields).length) Latchkey.showFieldErrors(form, fields, labels);
    return Object.keys(fields).length > 0;
  }

  function showSecondStep(token) {
    mfaToken = token;
    passwordForm.hidden = true;
    document.getElementById("org-sign-in").hidden = true;
    document.getElementById("providers").hidden = true;
    mfaForm.hidden = false;
    Latchkey.say("");
    mfaForm.elements.code.focus();
  }

  function startOver(message) {
    mfaToken = null;
    mfaForm.reset();
    mfaForm.hidden = true;
    passwordForm.hidden = false;
    document.getElementById("org-sign-in").hidden = false;
    passwordForm.elements.password.value = "";
    if (message) Latchkey.say(message, true);
    else passwordForm.elements.email.focus();
  }

  passwordForm.addEventListener("submit", async (event) => {
    event.preventDefault();
    Latchkey.clearFieldErrors(passwordForm);
    if (missing(passwordForm, ["email", "password"])) return;
    const done = Latchkey.pending(passwordForm.querySelector("button[type=submit]"), "Signing in…");
    const result = await Latchkey.api("POST", "/api/1/auth/session", {
      email: passwordForm.elements.email.value.trim(),
      password: passwordForm.elements.password.value,
    });
    done();
    if (result.ok) return signedIn();
    if (Latchkey.errorCode(result) === "mfa_required" && result.data.error.mfaToken) return showSecondStep(result.data.error.mfaToken);
    if (Latchkey.errorCode(result) === "invalid_credentials") {
      Latchkey.say("That email and password do not match. Check them and try again.", true);
      return;
    }
    Latchkey.formFailed(passwordForm, result, labels);
  });

  mfaForm.addEventListener("submit", async (event) => {
    event.preventDefault();
    Latchkey.clearFieldErrors(mfaForm);
    if (missing(mfaForm, ["code"])) return;
    const done = Latchkey.pending(mfaForm.querySelector("button[type=submit]"), "Verifying…");
    const result = await Latchkey.api("POST", "/api/1/auth/session/mfa", { mfaToken, code: mfaForm.elements.code.value.trim() });
    done();
    if (result.ok) return signedIn();
    const code = Latchkey.errorCode(result);
    if (code === "invalid_mfa_code") {
      Latchkey.showFieldErrors(mfaForm, { code: result.data.error.message }, null);
      mfaForm.elements.code.select();
      return;
    }
    if (code === "invalid_mfa_token") return startOver("That took too long. Sign in again with your password.");
    Latchkey.say(Latchkey.errorMessage(result), true);
  });
  document.getElementById("mfa-start-over").addEventListener("click", () => startOver(""));

  // Already signed in: say as whom, and offer to continue or to sign out.
  Latchkey.whoami.then((who) => {
    if (!who) return;
    document.getElementById("signed-in-as").textContent = who.user.email || who.user.name || "you";
    document.getElementById("signed-in-continue").href = returnTo;
    document.getElementById("signed-in-notice").hidden = false;
    document.getElementById("notice").hidden = true;
  });
  document.getElementById("signed-in-sign-out").addEventListener("click", (event) => {
    Latchkey.pending(event.currentTarget, "Signing out…");
    Latchkey.signOut();
  });

  (async () => {
    const result = await Latchkey.api("GET", "/api/v1/sso/providers");
    const providers = result.ok && Array.isArray(result.data) ? result.data : [];
    if (!providers.length || mfaToken) return;
    const list = document.getElementById("provider-list");
    for (const provider of providers) {
      const href = "/api/v1/sso/" + encodeURIComponent(provider.id) + "/login?return_to=" + encodeURIComponent(returnTo);
      const item = Latchkey.el("li");
      item.appendChild(Latchkey.el("a", { href, class: "button secondary" }, "Continue with " + provider.name));
      list.appendChild(item);
    }
    document.getElementById("providers").hidden = false;
  })();
})();
