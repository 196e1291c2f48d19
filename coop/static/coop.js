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
  // Confirm destructive actions (withdraw, reject) before their form is sent: a form's data-confirm, or the one of
  // the button that sends it (a form with a harmless and a destructive button).
  document.querySelectorAll("form").forEach((form) => {
    form.addEventListener("submit", (event) => {
      const question = event.submitter?.dataset.confirm || form.dataset.confirm;
      if (question && !window.confirm(question)) event.preventDefault();
    });
  });
});

// The bid form: a line's fields show only when "bid on this line" is ticked, and tier and bracket
// tables get an "add a row" button that copies the last row empty, numbering its fields on.
document.addEventListener("DOMContentLoaded", () => {
  document.querySelectorAll("[data-line-toggle]").forEach((toggle) => {
    const fields = toggle.closest(".bid-line")?.querySelector(".line-fields");
    if (!fields) return;
    const show = () => { fields.hidden = !toggle.checked; };
    toggle.addEventListener("change", show);
    show();
  });
  document.querySelectorAll("[data-rows]").forEach((table) => {
    const button = table.parentElement.querySelector("[data-add-row]");
    if (!button) return;
    button.hidden = false;
    button.addEventListener("click", () => {
      const rows = table.querySelectorAll("tbody tr[data-row]");
      const last = rows[rows.length - 1];
      const copy = last.cloneNode(true);
      const index = rows.length;
      copy.querySelectorAll("input").forEach((input) => {
        // Field names end in -<row>-<field>: the row number is the last number in the name.
        input.name = input.name.replace(/-(\d+)-(\w+)$/, `-${index}-$2`);
        input.id = input.name;
        input.value = "";
        input.classList.remove("is-invalid");
        const label = input.getAttribute("aria-label");
        if (label) input.setAttribute("aria-label", label.replace(/\d+/, String(index + 1)));
      });
      copy.querySelectorAll(".invalid-feedback").forEach((element) => element.remove());
      copy.querySelector(".tier-number").textContent = String(index + 1);
      last.after(copy);
      copy.querySelector("input")?.focus();
    });
  });
});
