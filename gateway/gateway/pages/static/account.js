"use strict";

// The account page: profile, organization, API key, sign out, linked providers.
(() => {
  const api = Latchkey.api;

  function text(id, value) {
    document.getElementById(id).textContent = value === null || value === undefined || value === "" ? "—" : String(value);
  }

  async function loadProfile() {
    const who = await Latchkey.whoami;
    if (!who) return Latchkey.signInAgain();
    const { user, organization } = who;
    text("profile-name", user.name);
    text("profile-email", user.email);
    text("profile-role", user.role);
    text("profile-organization", organization ? organization.name : user.partnerid ? "Unknown organization" : "None");
    if (organization && organization.admin) {
      const base = "/organization/" + encodeURIComponent(organization.orgId);
      document.getElementById("organization-settings-link").href = base + "/settings";
      document.getElementById("organization-integrations-link").href = base + "/integrations";
      document.getElementById("organization-admin").hidden = false;
    }
    return who;
  }

  async function fetchApiKey(method) {
    const result = await api(method, "/api/1/users/me/apikey");
    if (result.status === 401) return Latchkey.signInAgain();
    if (!result.ok) return Latchkey.say(Latchkey.errorMessage(result), true);
    return Latchkey.payload(result).apikey;
  }

  const apiKey = Latchkey.secretToggle({
    button: document.getElementById("apikey-show"),
    target: document.getElementById("apikey"),
    fetchSecret: () => fetchApiKey("GET"),
    copyButton: document.getElementById("apikey-copy"),
    feedback: document.getElementById("apikey-feedback"),
  });

  document.getElementById("apikey-regenerate").addEventListener("click", async (event) => {
    const button = event.currentTarget;
    const confirmed = await Latchkey.confirm({
      title: "Regenerate your API key?",
      body: "A new key is issued now. Scripts using the current key stop working at once.",
      action: "Regenerate key",
    });
    if (!confirmed) return;
    const done = Latchkey.pending(button, "Regenerating…");
    const key = await fetchApiKey("POST");
    done();
    if (!key) return;
    apiKey.show(key);
    Latchkey.say("A new API key was issued; the old one no longer works.");
  });

  async function loadProviders() {
    const [linked, configured] = await Promise.all([api("GET", "/api/v1/sso"), api("GET", "/api/v1/sso/providers")]);
    const linkedList = linked.ok && Array.isArray(linked.data) ? linked.data : [];
    const list = document.getElementById("linked-list");
    list.replaceChildren();
    for (const provider of linkedList) {
      const row = Latchkey.el("li");
      row.appendChild(Latchkey.el("span", {}, provider.name));
      const unlink = Latchkey.el("button", { type: "button", class: "danger" }, "Unlink " + provider.name);
      unlink.addEventListener("click", () => unlinkProvider(provider, unlink));
      row.appendChild(unlink);
      list.appendChild(row);
    }
    document.getElementById("linked-none").hidden = linkedList.length > 0;
    const linkedIds = new Set(linkedList.map((p) => p.id));
    const buttons = document.getElementById("link-buttons");
    buttons.replaceChildren();
    for (const provider of configured.ok && Array.isArray(configured.data) ? configured.data : []) {
      if (linkedIds.has(provider.id)) continue;
      const link = Latchkey.el("button", { type: "button", class: "secondary" }, "Link " + provider.name);
      link.addEventListener("click", () => linkProvider(provider, link));
      buttons.appendChild(link);
    }
  }

  async function linkProvider(provider, button) {
    const done = Latchkey.pending(button, "Opening " + provider.name + "…");
    const result = await api("POST", "/api/v1/sso", { issuer: provider.id });
    if (!result.ok) {
      done();
      return Latchkey.say(Latchkey.errorMessage(result), true);
    }
    const link = result.data && result.data.link;
    if (typeof link === "string" && /^https?:\/\//.test(link)) location.assign(link);
  }

  async function unlinkProvider(provider, button) {
    const confirmed = await Latchkey.confirm({
      title: "Unlink " + provider.name + "?",
      body: "You will no longer be able to sign in with " + provider.name + ". You can link it again later.",
      action: "Unlink",
    });
    if (!confirmed) return;
    const done = Latchkey.pending(button, "Unlinking…");
    const result = await api("DELETE", "/api/v1/sso/" + encodeURIComponent(provider.id));
    done();
    if (!result.ok) return Latchkey.say(Latchkey.errorMessage(result), true);
    Latchkey.say(provider.name + " is no longer linked.");
    loadProviders();
  }

  document.getElementById("sign-out").addEventListener("click", (event) => {
    Latchkey.pending(event.currentTarget, "Signing out…");
    Latchkey.signOut();
  });
  document.getElementById("sign-out-everywhere").addEventListener("click", async (event) => {
    const button = event.currentTarget;
    const confirmed = await Latchkey.confirm({
      title: "Sign out everywhere?",
      body: "Every session of your account ends, on this device and all others. You will need to sign in again.",
      action: "Sign out everywhere",
    });
    if (!confirmed) return;
    Latchkey.pending(button, "Signing out…");
    await api("DELETE", "/api/1/auth/sessions");
    location.assign("/login?notice=signed_out");
  });

  loadProfile().then((who) => who && loadProviders());
})();
