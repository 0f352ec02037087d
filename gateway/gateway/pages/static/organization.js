"use strict";

// Settings › Sign-in experience and Settings › Integrations of one organization, for its admins.
// Nothing editable is shown until the admin API has said this user may manage this organization.
(() => {
  const orgId = document.getElementById("page").dataset.orgId;
  const base = "/api/organization/" + encodeURIComponent(orgId);
  const labels = {
    name: "Name",
    authRedirectUrl: "The sign-in page address",
    usersMayDeleteThemselves: "Users may delete their own account",
  };

  function refused(result) {
    document.getElementById("org-loading").hidden = true;
    if (result.status === 401) return Latchkey.signInAgain();
    const code = Latchkey.errorCode(result);
    if (result.status === 404) {
      return Latchkey.say("There is no organization with the ID \u201c" + orgId + "\u201d. Check the address.", true);
    }
    if (result.status === 403 && code !== "csrf_rejected") {
      return Latchkey.say("Only an admin of this organization can manage it. Ask one of its admins for access.", true);
    }
    Latchkey.say(Latchkey.errorMessage(result), true);
  }

  async function loadOrganization() {
    const result = await Latchkey.api("GET", base + "/settings");
    if (!result.ok) {
      refused(result);
      return null;
    }
    document.getElementById("org-loading").hidden = true;
    document.getElementById("org-name").textContent = result.data.name || orgId;
    return result.data;
  }

  const form = document.getElementById("settings-form");
  if (form) {
    loadOrganization().then((settings) => {
      if (!settings) return;
      form.elements.name.value = settings.name || "";
      form.elements.authRedirectUrl.value = settings.authRedirectUrl || "";
      form.elements.usersMayDeleteThemselves.checked = settings.usersMayDeleteThemselves === true;
      form.hidden = false;
    });
    form.addEventListener("submit", async (event) => {
      event.preventDefault();
      Latchkey.clearFieldErrors(form);
      Latchkey.say("");
      const done = Latchkey.pending(form.querySelector("button[type=submit]"), "Saving…");
      const result = await Latchkey.api("PATCH", base + "/settings", {
        name: form.elements.name.value,
        authRedirectUrl: form.elements.authRedirectUrl.value.trim() || null,
        usersMayDeleteThemselves: form.elements.usersMayDeleteThemselves.checked,
      });
      done();
      if (result.status === 401) return Latchkey.signInAgain();
      if (!result.ok) return Latchkey.formFailed(form, result, labels);
      document.getElementById("org-name").textContent = result.data.name || orgId;
      Latchkey.say("Saved.");
    });
  }

  const integrations = document.getElementById("integrations");
  if (integrations) {
    async function fetchKey(method, path) {
      const result = await Latchkey.api(method, base + path);
      if (!result.ok) return refused(result);
      return result.data.apiKey;
    }
    const orgKey = Latchkey.secretToggle({
      button: document.getElementById("org-apikey-show"),
      target: document.getElementById("org-apikey"),
      fetchSecret: () => fetchKey("GET", "/integrations"),
      copyButton: document.getElementById("org-apikey-copy"),
      feedback: document.getElementById("org-apikey-feedback"),
    });
    loadOrganization().then((settings) => { if (settings) integrations.hidden = false; });
    document.getElementById("org-apikey-rotate").addEventListener("click", async (event) => {
      const button = event.currentTarget;
      const confirmed = await Latchkey.confirm({
        title: "Rotate the organization API key?",
        body: "A new key is issued now and the current one stops working at once. Your platform must switch to the new key.",
        action: "Rotate key",
      });
      if (!confirmed) return;
      const done = Latchkey.pending(button, "Rotating…");
      const key = await fetchKey("POST", "/integrations/api-key");
      done();
      if (!key) return;
      orgKey.show(key);
      Latchkey.say("A new organization API key was issued; the old one no longer works.");
    });
  }
})();
