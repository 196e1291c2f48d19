// Progressive enhancement only: every page works without this script.
document.addEventListener("DOMContentLoaded", () => {
  // Sign-up: show the fieldset of the organisation type chosen, once one is chosen.
  const kinds = document.querySelectorAll("input[name=kind]");
  const fieldsets = { district: document.getElementById("district-fields"), vendor: document.getElementById("vendor-fields") };
  const showChosen = () => {
    const chosen = document.querySelector("input[name=kind]:checked");
    if (!chosen) return;
    for (const [kind, fieldset] of Object.entries(fieldsets)) {
      if (fieldset) fieldset.hidden = kind !== chosen.value;
    }
  };
  kinds.forEach((input) => input.addEventListener("change", showChosen));
  showChosen();
  // Confirm destructive actions (withdraw, reject) before their form is sent.
  document.querySelectorAll("form[data-confirm]").forEach((form) => {
    form.addEventListener("submit", (event) => {
      if (!window.confirm(form.dataset.confirm)) event.preventDefault();
    });
  });
});
