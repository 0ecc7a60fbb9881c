// The report pages' "Print" button opens the browser's print dialog (where "Save as
// PDF" is); the print stylesheet leaves the app's controls out of the paper.
document.addEventListener("click", (e) => {
  if (e.target.closest("[data-print]")) window.print();
});
