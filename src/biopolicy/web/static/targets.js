/* The targets' trajectories (/targets): one line chart per target with actual values: the baseline and
   the actuals as a solid line, the linear projection dashed, the target as a horizontal mark at its year.
   ECharts from /static/vendor; the data comes from the page (.target-chart-data), as /api/v1/targets. */
(function () {
  "use strict";
  if (typeof echarts === "undefined") return;
  var labels = { baseline: "基数", actual: "实际值", projection: "推算" };
  document.querySelectorAll(".target-chart-data").forEach(function (source) {
    var el = document.getElementById(source.getAttribute("data-chart"));
    if (!el) return;
    var data = JSON.parse(source.textContent);
    var narrow = el.clientWidth < 600;
    var known = data.points.filter(function (p) { return p.kind !== "projection"; });
    var projection = data.points.filter(function (p) { return p.kind === "projection"; });
    var last = known[known.length - 1];
    var solid = known.map(function (p) { return { value: [p.year, Number(p.value)], point: p }; });
    var dashed = projection.length && last ? [
      { value: [last.year, Number(last.value)], point: last },
      { value: [projection[0].year, Number(projection[0].value)], point: projection[0] }
    ] : [];
    var years = data.points.map(function (p) { return p.year; }).concat([data.target.year]);
    var chart = echarts.init(el, null, { renderer: "canvas" });
    chart.setOption({
      animation: false,
      grid: { left: narrow ? 8 : 16, right: 24, top: 30, bottom: 24, containLabel: true },
      legend: { top: 0, data: ["基数与实际值", "按当前进度推算", "目标"] },
      tooltip: {
        trigger: "item", confine: true,
        formatter: function (p) {
          var pt = p.data.point;
          if (!pt) return "目标：" + data.target.year + " 年 " + data.target.value + data.unit;
          return pt.year + " 年 " + (labels[pt.kind] || "") + "：" + pt.value + data.unit + "<br>" + pt.source;
        }
      },
      xAxis: { type: "value", min: Math.min.apply(null, years), max: Math.max.apply(null, years), minInterval: 1,
               axisLabel: { formatter: function (v) { return v + "年"; } } },
      yAxis: { type: "value", name: data.unit, scale: false },
      series: [
        { name: "基数与实际值", type: "line", data: solid, symbolSize: 8, lineStyle: { width: 2, color: "#0b6e4f" }, itemStyle: { color: "#0b6e4f" } },
        { name: "按当前进度推算", type: "line", data: dashed, symbolSize: 6, lineStyle: { type: "dashed", color: "#a15c00" }, itemStyle: { color: "#a15c00" } },
        { name: "目标", type: "scatter", symbol: "diamond", symbolSize: 14, itemStyle: { color: "#b3261e" },
          data: [{ value: [data.target.year, Number(data.target.value)] }],
          markLine: { silent: true, symbol: "none", lineStyle: { color: "#b3261e", type: "dotted" }, label: { formatter: "目标 " + data.target.value + data.unit },
                      data: [{ yAxis: Number(data.target.value) }] } }
      ]
    });
    window.addEventListener("resize", function () { chart.resize(); });
  });
})();
