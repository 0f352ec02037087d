"use strict";

// Settings › UX and Settings › Integrations of one organization.
(() => {
  const orgId = document.getElementById("page").dataset.orgId;
  const base = "/api/organization/" + encodeURIComponent(orgId);

  function failed(result) {
    if (result.status === 401) Latchkey.signInAgain();
    else Latchkey.say(Latchkey.errorMessage(result), true);
  }

  const form = document.getElementById("settings-form");
  if (form) {
    (async () => {
      const result = await Latchkey.api("GET", base + "/settings");
      if (!result.ok) return failed(result);
      form.elements.name.value = result.data.name || "";
      form.elements.authRedirectUrl.value = result.data.authRedirectUrl || "";
    })();
    form.addEventListener("submit", async (event) => {
      event.preventDefault();
      const result = await Latchkey.api("PATCH", base + "/settings", {
        name: form.elements.name.value,
        authRedirectUrl: form.elements.authRedirectUrl.value || null,
      });
      if (!result.ok) return failed(result);
      Latchkey.say("Saved.");
    });
  }

  async function showKey(method, path) {
    const result = await Latchkey.api(method, base + path);
    if (!result.ok) return failed(result);
    document.getElementById("org-apikey").textContent = result.data.apiKey;
    if (method === "POST") Latchkey.say("A new organization API key was issued; the old one no longer works.");
  }

  const show = document.getElementById("org-apikey-show");
  if (show) {
    show.addEventListener("click", () => showKey("GET", "/integrations"));
    document.getElementById("org-apikey-rotate").addEventListener("click", () => {
      if (confirm("Rotate the organization API key? Your platform must switch to the new one.")) {
        showKey("POST", "/integrations/api-key");
      }
    });
  }
})();
