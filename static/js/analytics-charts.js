// Charts of the campaign analytics page, drawn with the vendored Chart.js.
(function () {
  "use strict";
  var data = JSON.parse(document.getElementById("analytics-data").textContent);
  if (!window.Chart) return;
  new window.Chart(document.getElementById("chart-days"), {
    type: "bar",
    data: {
      labels: data.days.map(function (d) { return d.date; }),
      datasets: [
        { label: "Tickets sold", data: data.days.map(function (d) { return d.tickets_sold; }) },
        { label: "Views", data: data.days.map(function (d) { return d.views; }), type: "line" }
      ]
    },
    options: { maintainAspectRatio: false, scales: { y: { beginAtZero: true } } }
  });
  new window.Chart(document.getElementById("chart-types"), {
    type: "bar",
    data: {
      labels: data.ticket_types.map(function (t) { return t.name; }),
      datasets: [
        { label: "Sold", data: data.ticket_types.map(function (t) { return t.tickets_sold; }) },
        { label: "Remaining", data: data.ticket_types.map(function (t) { return t.remaining; }) }
      ]
    },
    options: {
      maintainAspectRatio: false,
      indexAxis: "y",
      scales: { x: { beginAtZero: true, stacked: true }, y: { stacked: true } }
    }
  });
})();
