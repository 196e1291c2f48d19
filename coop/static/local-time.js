// Show each UTC deadline in the reader's own time zone too; without JavaScript it stays in UTC.
document.querySelectorAll("time[data-local-time]").forEach((element) => {
  const moment = new Date(element.getAttribute("datetime"));
  if (Number.isNaN(moment.getTime())) return;
  const local = new Intl.DateTimeFormat(undefined, {
    year: "numeric", month: "short", day: "numeric", hour: "numeric", minute: "2-digit", timeZoneName: "short",
  });
  element.title = element.textContent.trim();
  element.textContent = local.format(moment);
});
