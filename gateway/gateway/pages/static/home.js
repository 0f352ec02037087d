"use strict";

(async () => {
  const who = await Latchkey.whoami;
  if (!who) return;
  document.getElementById("home-name").textContent = who.user.name || "";
  document.getElementById("home-email").textContent = who.user.email || "";
  document.getElementById("signed-out").hidden = true;
  document.getElementById("signed-in").hidden = false;
})();
