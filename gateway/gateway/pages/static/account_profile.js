"use strict";

// Edit your profile: the name and picture, through PATCH /api/1/users/me.
(() => {
  // The error, and each field's problem after it.
  function problemText(result) {
    const data = result.data || {};
    const fields = (data.error && data.error.fields) || {};
    const named = Object.entries(fields).map(([field, text]) => field + " " + text);
    return [Latchkey.errorMessage(result), ...named].join(" · ");
  }

  const form = document.getElementById("profile-form");

  async function load() {
    const result = await Latchkey.api("GET", "/api/1/users/me");
    if (result.status === 401) return Latchkey.signInAgain();
    if (!result.ok) return Latchkey.say(Latchkey.errorMessage(result), true);
    const user = Latchkey.payload(result);
    form.elements.name.value = user.name || "";
    form.elements.picture.value = user.picture || "";
  }

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
})();
