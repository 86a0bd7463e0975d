// Optional enhancement of the commitments table: filter and sort in the browser.
// Without JavaScript the page is a plain table ordered by date, and nothing is lost.
(function () {
  const form = document.getElementById("commitment-filters");
  const table = document.getElementById("commitments");
  if (!form || !table) return;
  const body = table.tBodies[0];
  const rows = Array.from(body.rows);
  form.hidden = false;

  function filter() {
    const status = form.elements.status.value;
    const who = form.elements.body.value;
    const q = form.elements.q.value.trim().toLowerCase();
    for (const row of rows) {
      const show = (!status || row.dataset.status === status) &&
        (!who || row.dataset.body === who) &&
        (!q || row.textContent.toLowerCase().includes(q));
      row.hidden = !show;
    }
  }
  form.addEventListener("input", filter);
  form.addEventListener("submit", (event) => event.preventDefault());

  const keys = {
    text: (r) => r.cells[0].textContent.trim().toLowerCase(),
    body: (r) => r.cells[1].textContent.trim().toLowerCase(),
    date: (r) => Number(r.dataset.date),
    due: (r) => Number(r.dataset.due),
    status: (r) => r.dataset.status,
    progress: (r) => Number(r.dataset.progress),
  };
  for (const th of table.tHead.rows[0].cells) {
    const key = th.dataset.sort;
    if (!key) continue;
    const button = document.createElement("button");
    button.type = "button";
    button.textContent = th.textContent;
    th.textContent = "";
    th.appendChild(button);
    button.addEventListener("click", () => {
      const ascending = th.getAttribute("aria-sort") !== "ascending";
      for (const other of table.tHead.rows[0].cells) other.removeAttribute("aria-sort");
      th.setAttribute("aria-sort", ascending ? "ascending" : "descending");
      const sorted = rows.slice().sort((a, b) => {
        const x = keys[key](a), y = keys[key](b);
        return (x < y ? -1 : x > y ? 1 : 0) * (ascending ? 1 : -1);
      });
      for (const row of sorted) body.appendChild(row);
    });
  }
})();
