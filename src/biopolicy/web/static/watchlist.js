/* The watch list's timelines (/watchlist and /products/<id>): one bar per step, from its start to its
   completion or due date, coloured by status, a line at the day asked. ECharts from /static/vendor;
   the data comes from the page (#watch-timeline-data), the same as the JSON API. No inline script. */
(function () {
  "use strict";
  var el = document.getElementById("watch-timeline");
  var source = document.getElementById("watch-timeline-data");
  if (!el || !source || typeof echarts === "undefined") return;
  var data = JSON.parse(source.textContent);
  var rows = data.rows || [];
  if (!rows.length) { el.style.display = "none"; return; }
  var colours = {
    overdue: "#b3261e", missed: "#b3261e", due_soon: "#a15c00", on_time: "#0b6e4f", met: "#0b6e4f",
    paused: "#5b6b7b", unknown: "#5b6b7b", done: "#7b8794", running: "#0b6e4f", planned: "#c5ccd3"
  };
  var labels = {
    overdue: "已超期", missed: "超期办结", due_soon: "即将到期", on_time: "按期办理中", met: "按期办结",
    paused: "补正停表中", unknown: "无法计算时限", done: "已完成", running: "进行中", planned: "计划"
  };
  var day = 24 * 3600 * 1000;
  var asOf = Date.parse(data.as_of);
  var starts = rows.map(function (r) { return Date.parse(r.start); });
  var ends = rows.map(function (r) { return Date.parse(r.end); });
  var min = Math.min.apply(null, starts.concat([asOf])) - 30 * day;
  var max = Math.max.apply(null, ends.concat([asOf])) + 30 * day;
  var narrow = el.clientWidth < 600;
  el.style.height = Math.max(200, 40 + rows.length * (narrow ? 22 : 26)) + "px";

  var items = rows.map(function (r, i) {
    return {
      value: [i, Date.parse(r.start), Date.parse(r.end) + day - 1],
      itemStyle: { color: colours[r.status] || "#5b6b7b" },
      row: r
    };
  });

  function renderItem(params, api) {
    var y = api.value(0);
    var from = api.coord([api.value(1), y]);
    var to = api.coord([api.value(2), y]);
    var height = api.size([0, 1])[1] * 0.6;
    var shape = echarts.graphic.clipRectByRect(
      { x: from[0], y: from[1] - height / 2, width: Math.max(to[0] - from[0], 3), height: height },
      { x: params.coordSys.x, y: params.coordSys.y, width: params.coordSys.width, height: params.coordSys.height }
    );
    return shape && { type: "rect", shape: shape, style: api.style() };
  }

  var chart = echarts.init(el, null, { renderer: "canvas" });
  chart.setOption({
    animation: false,
    grid: { left: narrow ? 8 : 16, right: 16, top: 30, bottom: 30, containLabel: true },
    tooltip: {
      confine: true,
      formatter: function (p) {
        var r = p.data.row;
        return r.label + "<br>" + r.start + " 至 " + r.end + "<br>" + (r.status_label || labels[r.status] || "");
      }
    },
    xAxis: { type: "time", min: min, max: max, splitNumber: narrow ? 3 : 6, axisLabel: { hideOverlap: true } },
    yAxis: {
      type: "category",
      inverse: true,
      data: rows.map(function (r) { return r.label; }),
      axisLabel: { fontSize: narrow ? 9 : 11, width: narrow ? 110 : 220, overflow: "truncate" }
    },
    series: [{
      type: "custom",
      renderItem: renderItem,
      encode: { x: [1, 2], y: 0 },
      data: items,
      markLine: {
        symbol: "none",
        silent: true,
        label: { show: !narrow, formatter: "查询日 " + data.as_of, position: "end" },
        lineStyle: { color: "#b3261e", type: "dashed" },
        data: [{ xAxis: asOf }]
      }
    }]
  });
  el.dataset.ready = "1";
  window.addEventListener("resize", function () { chart.resize(); });
})();
