// The award round page while the round runs: its progress, read every 2 seconds, until it ends (then the page
// reloads to show the result). Without this script the page refreshes itself (a meta refresh in <noscript>).
document.addEventListener("DOMContentLoaded", () => {
  const section = document.querySelector("[data-progress-url]");
  if (!section) return;
  const dollars = (cents) => cents === null ? "—"
    : (cents / 100).toLocaleString("en-US", { style: "currency", currency: "USD" });
  const show = (name, text) => {
    const field = section.querySelector(`[data-field="${name}"]`);
    if (field) field.textContent = text;
  };
  const status = document.getElementById("progress-status");
  const poll = async () => {
    let progress;
    try {
      const response = await fetch(section.dataset.progressUrl, { headers: { Accept: "application/json" } });
      if (!response.ok) throw new Error(String(response.status));
      progress = await response.json();
    } catch (error) {
      status.textContent = "Progress could not be read; trying again.";
      window.setTimeout(poll, 5000);
      return;
    }
    if (progress.done) {
      window.location.reload();
      return;
    }
    const phase = progress.phase ? `: ${progress.phase}` : "";
    const cancel = progress.cancel_requested ? " — cancel requested" : "";
    const text = progress.status.charAt(0).toUpperCase() + progress.status.slice(1) + phase + cancel;
    if (status.textContent !== text) status.textContent = text;
    show("best_cost", dollars(progress.best_cost_cents));
    show("lower_bound", dollars(progress.lower_bound_cents));
    show("gap", progress.gap === null ? "—" : `${(progress.gap * 100).toFixed(2)}%`);
    show("elapsed", progress.elapsed_s === null ? "—" : `${progress.elapsed_s.toFixed(1)} s`);
    window.setTimeout(poll, 2000);
  };
  window.setTimeout(poll, 2000);
});
