"use strict";

(() => {
  const page = document.getElementById("page");
  const returnTo = Latchkey.localPath(page.dataset.returnTo);
  const form = document.getElementById("password-form");

  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const button = form.querySelector("button");
    button.disabled = true;
    const result = await Latchkey.api("POST", "/api/1/auth/session", {
      email: form.elements.email.value,
      password: form.elements.password.value,
    });
    button.disabled = false;
    if (result.ok) {
      location.assign(returnTo);
      return;
    }
    Latchkey.say(Latchkey.errorMessage(result), true);
  });

  (async () => {
    const result = await Latchkey.api("GET", "/api/v1/sso/providers");
    const providers = result.ok && Array.isArray(result.data) ? result.data : [];
    if (!providers.length) return;
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
