// The department view: late steps now, and the unit's last twelve months from the statistics API as two
// bar charts. Each chart is a table (month, numbers as text) with CSS bars, so it reads without the picture.
"use strict";

const UNIT = `query Unit($id: ID!) {
  department(id: $id) { name phone parent { name } }
  lateSteps(filter: { departmentId: $id }, first: 20) {
    totalCount
    edges { node { name dueAt officer { name title } case { receiptNo title } } }
  }
}`;
const STATISTICS = `query Statistics($from: DateTime!, $to: DateTime!, $departmentId: ID) {
  statistics(groupBy: CITY, from: $from, to: $to, period: MONTH, filter: { departmentId: $departmentId }) {
    openNow overdueNow
    totals { received decided onTimeRate medianProcessingDays }
    series { periodStart received decided onTimeRate medianProcessingDays p90ProcessingDays }
  }
}`;

// The current Seoul month and the eleven before it, as whole months in Seoul time.
function lastTwelveMonths() {
  const parts = new Intl.DateTimeFormat("en", { timeZone: "Asia/Seoul", year: "numeric", month: "numeric" }).formatToParts(new Date());
  const year = Number(parts.find((p) => p.type === "year").value), month = Number(parts.find((p) => p.type === "month").value);
  const start = (offset) => {
    const d = new Date(Date.UTC(year, month - 1 + offset, 1));
    return `${d.getUTCFullYear()}-${String(d.getUTCMonth() + 1).padStart(2, "0")}-01T00:00:00+09:00`;
  };
  return { from: start(-11), to: start(1) };
}

// The picker lists the whole tree, five levels deep for a district office's teams (시 > 구청 > 국 > 과 > 팀); a
// team's name repeats across divisions and districts, so teams also name their division.
async function loadDepartments() {
  const data = await graphql(`{ departments { ...Unit children { ...Unit children { ...Unit children { ...Unit
    children { ...Unit } } } } } }
    fragment Unit on Department { id name }`);
  const options = [];
  const walk = (unit, depth, parent) => {
    const option = document.createElement("option");
    option.value = unit.id;
    option.textContent = "\u00a0\u00a0".repeat(depth) + unit.name + (depth > 2 ? ` (${parent.name})` : "");
    options.push(option);
    (unit.children || []).forEach((child) => walk(child, depth + 1, unit));
  };
  data.departments.forEach((unit) => walk(unit, 0, null));
  $("unit").append(...options);
  $("unit").value = currentUnit() || "";
}

function currentUnit() {
  const match = location.hash.match(/^#\/department\/(.+)$/);
  return match && decodeURIComponent(match[1]);
}

async function showDepartment(id) {
  $("status").textContent = "조회 중…";
  $("unit").value = id;
  const variables = { ...lastTwelveMonths(), departmentId: id };
  try {
    const [unit, figures] = await Promise.all([graphql(UNIT, { id }), graphql(STATISTICS, variables)]);
    if (currentUnit() !== id) return;  // the reader moved on while this was loading
    if (!unit.department) { $("unit-view").hidden = true; $("status").textContent = "해당 부서가 없습니다."; return; }
    renderDepartment(unit, figures.statistics[0]);
    $("status").textContent = "";
    $("graphiql-statistics").href = graphiql(STATISTICS, variables);
    $("unit-title").focus();
  } catch (error) {
    $("status").textContent = `조회하지 못했습니다: ${error.message}`;
  }
}

function renderDepartment(unit, stats) {
  const d = unit.department;
  $("unit-view").hidden = false;
  $("unit-title").textContent = `${d.name} 처리 현황`;
  $("unit-parent").textContent = (d.parent ? `${d.parent.name} · ` : "") + `☎ ${d.phone} · 아래 부서 포함`;
  const percent = (rate) => rate === null ? "—" : `${Math.round(rate * 100)}%`;
  const t = stats ? stats.totals : null;
  $("open-now").textContent = stats ? `${stats.openNow}건` : "—";
  $("overdue-now").textContent = stats ? `${stats.overdueNow}건` : "—";
  $("totals").textContent = t ? `접수 ${t.received}건, 결정 ${t.decided}건, 기한 내 처리율 ${percent(t.onTimeRate)}` +
    (t.medianProcessingDays === null ? "" : `, 처리기간 중앙값 ${days(t.medianProcessingDays)}`) : "자료 없음";

  const late = unit.lateSteps;
  $("late-count").textContent = late.totalCount > late.edges.length ? `${late.totalCount}건 중 오래된 ${late.edges.length}건` : `${late.totalCount}건`;
  $("late").replaceChildren(...(late.edges.length ? late.edges.map((e) => lateItem(e.node)) : [item("없음")]));

  const series = stats ? stats.series : [];
  const longest = Math.max(1, ...series.map((p) => p.p90ProcessingDays || p.medianProcessingDays || 0));
  chart("chart-time", series, (p) => [
    p.p90ProcessingDays === null ? null : bar("p90", p.p90ProcessingDays / longest),
    p.medianProcessingDays === null ? null : bar("median", p.medianProcessingDays / longest),
  ], (p) => p.medianProcessingDays === null ? "결정 없음" : `${p.medianProcessingDays.toFixed(1)} · ${p.p90ProcessingDays.toFixed(1)}`);
  chart("chart-rate", series, (p) => [p.onTimeRate === null ? null : bar("rate", p.onTimeRate)],
    (p) => p.onTimeRate === null ? "결정 없음" : `${percent(p.onTimeRate)} · ${p.decided}건`);
}

function lateItem(step) {
  const li = document.createElement("li");
  const a = document.createElement("a");
  a.href = `#/case/${encodeURIComponent(step.case.receiptNo)}`;
  a.textContent = `${step.case.title} (${step.case.receiptNo})`;
  const hours = Math.floor((Date.now() - Date.parse(step.dueAt)) / 3_600_000);
  const overdue = hours < 48 ? `${hours}시간 지남` : `${Math.floor(hours / 24)}일 지남`;
  const detail = document.createElement("span");
  detail.textContent = `${step.name} · ${step.officer.name} ${step.officer.title} · 기한 ${when(step.dueAt)} (${overdue})`;
  li.append(a, document.createElement("br"), detail);
  return li;
}

// One bar: a share of the track's width; the numbers beside it carry the meaning.
function bar(kind, share) {
  const span = document.createElement("span");
  span.className = `bar ${kind}`;
  span.style.width = `${Math.max(0, Math.min(1, share)) * 100}%`;
  return span;
}

// A row per month of the series (months without activity are left out by the API, and so here).
function chart(id, series, bars, label) {
  const rows = series.map((point) => {
    const tr = document.createElement("tr");
    const th = document.createElement("th");
    th.scope = "row";
    const [y, m] = point.periodStart.split("-").map(Number);
    th.textContent = `${y}년 ${m}월`;
    const td = document.createElement("td");
    const cell = document.createElement("span");  // a flex box inside the cell keeps the table layout intact
    cell.className = "cell";
    const track = document.createElement("span");
    track.className = "track";
    track.setAttribute("aria-hidden", "true");  // the picture repeats the text beside it
    track.append(...bars(point).filter(Boolean));
    const value = document.createElement("span");
    value.className = "value";
    value.textContent = label(point);
    cell.append(track, value);
    td.append(cell);
    tr.append(th, td);
    return tr;
  });
  const empty = document.createElement("tr");
  empty.innerHTML = `<td colspan="2">최근 12개월 자료 없음</td>`;
  document.querySelector(`#${id} tbody`).replaceChildren(...(rows.length ? rows : [empty]));
}
