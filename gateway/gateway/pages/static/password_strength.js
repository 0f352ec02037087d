"use strict";

// A hint while typing a new password. The server's rule is only "8 to 1024 characters";
// this estimates how guessable the choice is so people pick long, unrelated words.
(() => {
  const COMMON = ["password", "12345678", "123456789", "qwertyui", "iloveyou", "11111111", "abc12345", "letmein1", "password1", "latchkey"];

  function estimate(value) {
    if (value.length < 8) return { level: 0, text: "Too short: at least 8 characters." };
    if (COMMON.includes(value.toLowerCase()) || /^(.)\1+$/.test(value)) return { level: 1, text: "Weak: this one is among the first guessed." };
    let pool = 0;
    if (/[a-z]/.test(value)) pool += 26;
    if (/[A-Z]/.test(value)) pool += 26;
    if (/[0-9]/.test(value)) pool += 10;
    if (/[^a-zA-Z0-9]/.test(value)) pool += 33;
    const bits = value.length * Math.log2(Math.max(pool, 2));
    if (bits < 45) return { level: 1, text: "Weak: add a few more words or characters." };
    if (bits < 70) return { level: 2, text: "Fair: longer is stronger." };
    return { level: 3, text: "Strong." };
  }

  Latchkey.passwordStrength = function attach(input, hint) {
    const initial = hint.textContent;
    input.addEventListener("input", () => {
      if (!input.value) {
        hint.textContent = initial;
        hint.dataset.level = "";
        return;
      }
      const { level, text } = estimate(input.value);
      hint.textContent = text;
      hint.dataset.level = String(level);
    });
  };
  Latchkey.passwordStrength.estimate = estimate;
})();
