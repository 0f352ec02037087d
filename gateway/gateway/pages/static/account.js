"use strict";

(() => {
  const api = Latchkey.api;

  async function loadProfile() {
    const result = await api("GET", "/api/1/users/me");
    if (result.status === 401) return Latchkey.signInAgain();
    if (!result.ok) return Latchkey.say(Latchkey.errorMessage(result), true);
    const user = Latchkey.payload(result);
    for (const field of ["name", "email", "role", "partnerid"]) {
      const value = user[field];
      document.getElementById("profile-" + field).textContent = value === null || value === undefined || value === "" ? "—" : String(value);
    }
  }

  async function showApiKey(method) {
    const result = await api(method, "/api/1/users/me/apikey");
    if (!result.ok) return Latchkey.say(Latchkey.errorMessage(result), true);
    document.getElementById("apikey").textContent = Latchkey.payload(result).apikey;
    if (method === "POST") Latchkey.say("A new API key was issued; the old one no longer works.");
  }

  async function loadProviders() {
    const [linked, configured] = await Promise.all([api("GET", "/api/v1/sso"), api("GET", "/api/v1/sso/providers")]);
    const linkedList = linked.ok && Array.isArray(linked.data) ? linked.data : [];
    const list = document.getElementById("linked-list");
    list.replaceChildren();
    for (const provider of linkedList) {
      const row = Latchkey.el("li");
      row.appendChild(Latchkey.el("span", {}, provider.name));
      const unlink = Latchkey.el("button", { type: "button", class: "danger" }, "Unlink");
      unlink.addEventListener("click", () => unlinkProvider(provider));
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
      link.addEventListener("click", () => linkProvider(provider));
      buttons.appendChild(link);
    }
  }

  async function linkProvider(provider) {
    const result = await api("POST", "/api/v1/sso", { issuer: provider.id });
    if (!result.ok) return Latchkey.say(Latchkey.errorMessage(result), true);
    const link = result.data && result.data.link;
    if (typeof link === "string" && /^https?:\/\//.test(link)) location.assign(link);
  }

  async function unlinkProvider(provider) {
    const result = await api("DELETE", "/api/v1/sso/" + encodeURIComponent(provider.id));
    if (!result.ok) return Latchkey.say(Latchkey.errorMessage(result), true);
    Latchkey.say(provider.name + " is no longer linked.");
    loadProviders();
  }

  document.getElementById("apikey-show").addEventListener("click", () => showApiKey("GET"));
  document.getElementById("apikey-regenerate").addEventListener("click", () => {
    if (confirm("Regenerate your API key? Scripts using the current one stop working.")) showApiKey("POST");
  });
  document.getElementById("sign-out").addEventListener("click", async () => {
    await api("DELETE", "/api/1/auth/session");
    location.assign("/login");
  });

  loadProfile().then(loadProviders);
})();
