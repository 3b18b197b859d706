// 督导看板 charts: drawn from the JSON the page carries (the tables beside them show the same numbers,
// so the page works without JavaScript). ECharts is served by the app (static/vendor/echarts).
(function () {
  "use strict";
  var data = document.getElementById("dashboard-chart");
  var box = document.getElementById("chart-months");
  if (!data || !box || typeof echarts === "undefined") { return; }
  var d = JSON.parse(data.textContent);
  box.classList.add("ready");
  var chart = echarts.init(box, null, { renderer: "canvas" });
  chart.setOption({
    animation: false,
    color: ["#b71c1c", "#6a737d"],
    tooltip: { trigger: "axis" },
    legend: { data: ["完成率（%）", "逾期党支部"], bottom: 0 },
    grid: { left: 40, right: 40, top: 20, bottom: 50 },
    xAxis: { type: "category", data: d.months },
    yAxis: [
      { type: "value", min: 0, max: 100, axisLabel: { formatter: "{value}%" } },
      { type: "value", minInterval: 1, splitLine: { show: false } }
    ],
    series: [
      { name: "完成率（%）", type: "line", data: d.month_rates, connectNulls: false, symbolSize: 6 },
      { name: "逾期党支部", type: "bar", yAxisIndex: 1, data: d.overdue_branches, barMaxWidth: 18,
        itemStyle: { color: "rgba(198, 40, 40, 0.35)" } }
    ]
  });
  window.addEventListener("resize", function () { chart.resize(); });
})();
