/* 费用测算: draws the two charts of a result (ECharts, served from /static/vendor) and, when script
   runs, sends the form to /simulate/stream so a long run shows a progress bar; the result's HTML
   comes back from the server and replaces the old one, and the address becomes the result's link.
   Without script the form is a plain GET to /simulate and the page answers with the result. */
(function () {
  "use strict";
  var BASE = "#9aa5b1", REFORM = "#0b6e4f";

  function wan(v) { return v.toLocaleString("zh-CN", { minimumFractionDigits: 2, maximumFractionDigits: 2 }) + "万元"; }

  function draw(root) {
    var source = root.querySelector("#sim-chart-data");
    if (!source || typeof echarts === "undefined") return;
    var d = JSON.parse(source.textContent);
    var narrow = root.clientWidth < 600;
    var rate = d.rate + "%";
    var yearsEl = root.querySelector("#sim-years");
    var measuresEl = root.querySelector("#sim-measures");
    var series = [{ name: "现行规则（上限）", type: "bar", data: d.year_baseline, itemStyle: { color: BASE } }];
    if (d.compared) series.push({ name: "改革方案（上限）", type: "bar", data: d.year_reform, itemStyle: { color: REFORM } });
    series.push({ name: "现行规则（按" + rate + "）", type: "line", data: d.year_baseline_granted,
      lineStyle: { type: "dashed", color: "#5b6b7b" }, itemStyle: { color: "#5b6b7b" } });
    if (d.compared) series.push({ name: "改革方案（按" + rate + "）", type: "line", data: d.year_reform_granted,
      lineStyle: { type: "dashed", color: REFORM }, itemStyle: { color: REFORM } });
    var tooltip = { trigger: "axis", confine: true, valueFormatter: wan };
    var years = echarts.init(yearsEl, null, { renderer: "canvas" });
    years.setOption({
      animation: false,
      tooltip: tooltip,
      legend: { top: 0, textStyle: { fontSize: narrow ? 10 : 12 } },
      grid: { left: 8, right: 12, top: narrow ? 84 : 40, bottom: 8, containLabel: true },
      xAxis: { type: "category", data: d.years.map(function (y) { return y.replace("（此前奖励的分期）", "*"); }),
        axisLabel: { fontSize: narrow ? 10 : 12 } },
      yAxis: { type: "value", name: "万元", axisLabel: { fontSize: narrow ? 10 : 12 } },
      series: series
    });
    var mseries = [{ name: "现行规则（上限）", type: "bar", data: d.measure_baseline, itemStyle: { color: BASE } }];
    if (d.compared) mseries.push({ name: "改革方案（上限）", type: "bar", data: d.measure_reform, itemStyle: { color: REFORM } });
    var measures = echarts.init(measuresEl, null, { renderer: "canvas" });
    measures.setOption({
      animation: false,
      tooltip: tooltip,
      legend: { top: 0, textStyle: { fontSize: narrow ? 10 : 12 } },
      grid: { left: 8, right: 16, top: 30, bottom: 8, containLabel: true },
      xAxis: { type: "value", name: "万元", splitNumber: narrow ? 3 : 5, axisLabel: { fontSize: narrow ? 10 : 12, hideOverlap: true } },
      yAxis: { type: "category", inverse: true, data: d.measures,
        axisLabel: { width: narrow ? 110 : 300, overflow: "truncate", fontSize: narrow ? 10 : 12 } },
      series: mseries
    });
    yearsEl.dataset.ready = "1";
    measuresEl.dataset.ready = "1";
    window.addEventListener("resize", function () { years.resize(); measures.resize(); });
  }

  function query(form) {
    var params = new URLSearchParams();
    new FormData(form).forEach(function (v, k) { params.append(k, v); });
    return params.toString();
  }

  function stream(form) {
    var box = document.getElementById("sim-progress");
    var bar = document.getElementById("sim-progress-bar");
    var text = document.getElementById("sim-progress-text");
    var button = form.querySelector("button[type=submit]");
    var done = false;
    button.disabled = true;
    bar.value = 0;
    text.textContent = "正在测算…";
    // a quick run does not flash a bar; anything that takes longer than a second shows one
    var show = setTimeout(function () { if (!done) box.hidden = false; }, 1000);
    function finish() { done = true; clearTimeout(show); box.hidden = true; button.disabled = false; }
    function fallback() { finish(); form.dataset.plain = "1"; form.submit(); }

    fetch(form.dataset.stream + "?" + query(form), { headers: { Accept: "text/event-stream" }, credentials: "same-origin" })
      .then(function (response) {
        // bad input (422) and anything unexpected: the plain form answers it, with the messages at the fields
        if (!response.ok || !response.body) { fallback(); return; }
        var reader = response.body.getReader();
        var decoder = new TextDecoder();
        var buffer = "";
        function handle(block) {
          var name = "message", data = "";
          block.split("\n").forEach(function (line) {
            if (line.indexOf("event: ") === 0) name = line.slice(7);
            else if (line.indexOf("data: ") === 0) data += line.slice(6);
          });
          if (!data) return;
          var payload = JSON.parse(data);
          if (name === "progress") {
            bar.value = Math.round(payload.fraction * 100);
            text.textContent = payload.fraction < 1 ? payload.stage + "…" : payload.stage;
          } else if (name === "done" || name === "problems") {
            finish();
            var old = document.getElementById("sim-problems");
            if (old) old.remove();
            document.getElementById("sim-result").innerHTML = payload.html;
            if (name === "done") {
              history.replaceState(null, "", payload.url);
              draw(document.getElementById("sim-result"));
            }
          } else if (name === "failed") {
            finish();
            document.getElementById("sim-result").innerHTML = '<p class="card error" role="alert"></p>';
            document.querySelector("#sim-result .error").textContent = payload.message;
          }
        }
        function pump() {
          return reader.read().then(function (chunk) {
            if (chunk.done) { if (!done) fallback(); return; }
            buffer += decoder.decode(chunk.value, { stream: true });
            var parts = buffer.split("\n\n");
            buffer = parts.pop();
            parts.forEach(handle);
            return pump();
          });
        }
        return pump();
      })
      .catch(fallback);
  }

  var form = document.getElementById("sim-form");
  if (form && window.fetch && window.TextDecoder && window.URLSearchParams) {
    form.addEventListener("submit", function (event) {
      if (form.dataset.plain) return;
      event.preventDefault();
      stream(form);
    });
  }
  var result = document.getElementById("sim-result");
  if (result) draw(result);
})();
