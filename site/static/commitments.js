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
    text: (row) => row.cells[0].textContent.trim().toLowerCase(),
    body: (row) => row.cells[1].textContent.trim().toLowerCase(),
    date: (row) => Number(row.dataset.date),
    due: (row) => Number(row.dataset.due),
    status: (row) => row.dataset.status,
    progress: (row) => Number(row.dataset.progress),
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
      const sorted = rows.slice().sort((first, second) => {
        const left = keys[key](first), right = keys[key](second);
        return (left < right ? -1 : left > right ? 1 : 0) * (ascending ? 1 : -1);
      });
      for (const row of sorted) body.appendChild(row);
    });
  }
})();
