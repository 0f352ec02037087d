"use strict";

(async () => {
  const result = await Latchkey.api("GET", "/api/1/users/me");
  if (!result.ok) return;
  const user = Latchkey.payload(result);
  document.getElementById("home-name").textContent = user.name || "";
  document.getElementById("home-email").textContent = user.email || "";
  document.getElementById("signed-out").hidden = true;
  document.getElementById("signed-in").hidden = false;
})();
