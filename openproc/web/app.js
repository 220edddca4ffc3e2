// The public page: look a case up, show it, and keep it current over graphql-transport-ws.
// The department view lives in department.js; this file holds the shared helpers and the routing.
"use strict";

const CASE = `query Case($receiptNo: String!) {
  case(receiptNo: $receiptNo) {
    receiptNo title location status receivedAt dueAt closedAt result isOverdue
    clock { state allowedDays setByLaw usedDays leftDays pausedSince }
    prediction { expectedAt earliestAt latestAt samples } predictionOutlook
    delays { kind dueAt lagHours lateEntries { sequence } explanation step { name } }
    taskType { name legalReferences { law article title url } }
    department { name phone }
    currentStep { name officer { name title email phone } }
    steps { sequence name status startedAt dueAt signedAt isOverdue comment officer { name title } signer { name } }
    nextActions { description scheduledFor status }
    documents { title kind registeredAt }
    events(first: 100) { edges { node { sequence type occurredAt actor { name title } step { name } } } }
  }
}`;
const PROGRESS = `subscription Progress($receiptNo: String!, $after: Int) {
  caseProgress(receiptNo: $receiptNo, after: $after) { sequence type occurredAt actor { name title } step { name } }
}`;
// Counted once per lookup, not on the re-renders that live updates cause.
const VIEW = `mutation View($receiptNo: String!) { recordCaseView(receiptNo: $receiptNo) { __typename } }`;
const FEED = `subscription Feed {
  events { sequence type occurredAt case { receiptNo title } step { name } actor { name title } }
}`;
const STATUS = { RECEIVED: "접수", IN_PROGRESS: "처리 중", AWAITING_SUPPLEMENT: "보완 대기", COMPLETED: "처리 완료",
  REJECTED: "반려", WITHDRAWN: "취하" };
const STEP = { PENDING: "대기", IN_PROGRESS: "진행 중", SIGNED: "결재 완료", RETURNED: "보완 요구", SKIPPED: "생략" };
const ACTION = { DONE: "완료", CANCELLED: "취소" };
// Why a case has no completion estimate (Case.predictionOutlook).
const OUTLOOK = { CLOSED: "처리 종결", AWAITING_CLOSURE: "모든 결재 완료, 결과 등록만 남음",
  AWAITING_APPLICANT: "민원인의 보완 제출을 기다리는 중이라 예상할 수 없음",
  TOO_LITTLE_HISTORY: "같은 업무의 과거 처리 기록이 적어 예상하지 않음",
  BEYOND_HISTORY: "현재 단계가 과거 사례 대부분보다 오래 걸려 믿을 만한 예상이 없음" };
const EVENT = { CASE_REGISTERED: "접수", APPLICATION_SUBMITTED: "온라인 신청", STEP_STARTED: "단계 시작",
  STEP_SIGNED: "결재", STEP_RETURNED: "보완 요구", STEP_REASSIGNED: "담당자 변경", CASE_RESUMED: "처리 재개",
  CASE_REJECTED: "반려", CASE_WITHDRAWN: "취하", CASE_CLOSED: "처리 완료", DOCUMENT_REGISTERED: "문서 등록",
  ACTION_SCHEDULED: "처리계획 등록", ACTION_RESCHEDULED: "처리계획 변경", ACTION_COMPLETED: "처리계획 완료",
  ACTION_CANCELLED: "처리계획 취소",
  DELAY_DETECTED: "지연 발생", DELAY_EXPLAINED: "지연 사유 공개", MILESTONE_REACHED: "이정표" };

const $ = (id) => document.getElementById(id);
const when = (iso) => iso ? new Date(iso).toLocaleString("ko-KR", { timeZone: "Asia/Seoul" }) : "—";
const day = (iso) => new Date(iso).toLocaleDateString("ko-KR", { timeZone: "Asia/Seoul" });
const days = (n) => `${n.toFixed(1)}일`;
const graphiql = (query, variables) => "/graphql?query=" + encodeURIComponent(query) +
  (variables ? "&variables=" + encodeURIComponent(JSON.stringify(variables)) : "");
let socket = null, lastSequence = null, current = null, retry = 500;

async function graphql(query, variables) {
  const response = await fetch("/graphql", { method: "POST", headers: { "content-type": "application/json" },
    body: JSON.stringify({ query, variables }) });
  const body = await response.json();
  if (body.errors) throw new Error(body.errors[0].message);
  return body.data;
}

function item(text, className) {
  const li = document.createElement("li");
  li.textContent = text;
  if (className) li.className = className;
  return li;
}

function render(c) {
  $("case").hidden = false;
  $("case-title").textContent = `${c.title} (${c.receiptNo})`;
  $("task").textContent = `${c.taskType.name} · ${c.location}`;
  // The result often repeats the status ("반려"): say it once.
  const result = c.result && c.result !== STATUS[c.status] ? ` — ${c.result}` : "";
  $("state").textContent = STATUS[c.status] + result + (c.isOverdue ? " · 기한 경과" : "");
  // What the applicant must supply: the returning officer's reason, where the case waits on them.
  const returned = c.status === "AWAITING_SUPPLEMENT" && c.steps.find((s) => s.status === "RETURNED");
  $("supplement").hidden = $("supplement-label").hidden = !returned;
  $("supplement").textContent = returned ? `${returned.comment} (${returned.name}, ${returned.officer.name} ${returned.officer.title})` : "";
  $("department").textContent = `${c.department.name} (${c.department.phone})`;
  // Whose turn it is: the first step not yet signed (its officer may not have started it yet).
  const turn = c.steps.find((s) => s.status !== "SIGNED" && s.status !== "SKIPPED");
  const o = c.currentStep ? c.currentStep.officer : turn && turn.officer;
  $("holder").textContent = o ? `${(c.currentStep || turn).name}: ${o.name} ${o.title}${o.email ? ` · ${o.email} · ${o.phone}` : ""}` : "—";
  $("received").textContent = when(c.receivedAt);
  $("due").textContent = when(c.dueAt) + (c.closedAt ? ` (종결 ${when(c.closedAt)})` : "");
  $("clock").textContent = clockText(c.clock, overrun(c.dueAt, c.closedAt));
  // A range when the history supports one; otherwise why there is none, never an invented date.
  const p = c.prediction;
  $("prediction").textContent = p
    ? `${day(p.expectedAt)} 전후 (빠르면 ${day(p.earliestAt)}, 늦으면 ${day(p.latestAt)}; 과거 결재 ${p.samples}건 이상 기준)`
    : OUTLOOK[c.predictionOutlook];
  $("delays").replaceChildren(...(c.delays.length ? c.delays.map(delayItem) : [item("없음")]));
  const laws = $("laws"); laws.replaceChildren();
  c.taskType.legalReferences.forEach((l, i) => {
    const a = document.createElement("a"); a.href = l.url; a.textContent = `${l.law} ${l.article}(${l.title})`;
    if (i) laws.append(", "); laws.append(a);
  });
  $("line").replaceChildren(...c.steps.map((s) => {
    const state = s.status === "SIGNED" ? "signed" : (s.status === "IN_PROGRESS" || s.status === "RETURNED") ? "current" : "pending";
    const li = document.createElement("li");
    li.className = state + (s.isOverdue ? " late" : "");
    li.dataset.sequence = s.sequence; li.dataset.status = s.status;
    li.innerHTML = `<strong></strong> <span class="badge"></span><br><span class="who"></span> · <span class="when"></span>`;
    li.querySelector("strong").textContent = `${s.sequence}. ${s.name}`;
    li.querySelector(".badge").textContent = STEP[s.status] + (s.isOverdue ? " · 지연" : "");
    li.querySelector(".who").textContent = `${s.officer.name} ${s.officer.title}` + (s.signer && s.signer.name !== s.officer.name ? ` (결재: ${s.signer.name})` : "");
    li.querySelector(".when").textContent = s.signedAt ? `결재 ${when(s.signedAt)}` : s.dueAt ? `기한 ${when(s.dueAt)}` : "시작 전";
    if (s.comment) li.append(document.createElement("br"), `${s.status === "RETURNED" ? "보완 요청" : "의견"}: ${s.comment}`);
    return li;
  }));
  $("actions").replaceChildren(...(c.nextActions.length ? c.nextActions.map((a) => item(`${when(a.scheduledFor)} ${a.description}${ACTION[a.status] ? ` (${ACTION[a.status]})` : ""}`)) : [item("없음")]));
  $("documents").replaceChildren(...(c.documents.length ? c.documents.map((d) => item(`${d.title} · ${when(d.registeredAt)}`)) : [item("없음")]));
  const events = c.events.edges.map((e) => e.node);
  $("history").replaceChildren(...events.reverse().map(historyItem));
  if (events.length) lastSequence = Math.max(lastSequence || 0, events[0].sequence);
}

// How long past its deadline a case went (or is), to the minute, while that is under a day: "-0.0일" says nothing.
function overrun(dueAt, closedAt) {
  const minutes = Math.floor(((closedAt ? new Date(closedAt) : new Date()) - new Date(dueAt)) / 60000);
  if (minutes <= 0 || minutes >= 24 * 60) return null;
  return minutes < 60 ? `${minutes}분` : `${Math.floor(minutes / 60)}시간 ${minutes % 60}분`;
}

// Working days, as the Civil Petitions Act counts them (the server does the counting).
function clockText(k, late) {
  const left = k.leftDays >= 0 ? `${days(k.leftDays)} 남음` : `기한 ${late || days(-k.leftDays)} 초과`;
  // Enforcement has no period in law: the city's own limit is not called the law's.
  const period = k.setByLaw ? "법정 처리기간" : "처리 목표기간(법정 기간 없음)";
  const used = `${period} ${k.allowedDays}일 중 ${days(k.usedDays)} 경과`;
  if (k.state === "PAUSED") return `보완 대기로 멈춤 (${when(k.pausedSince)}부터) — ${used}, ${left}`;
  if (k.state === "STOPPED") return `처리 종결 — ${used}` + (k.leftDays < 0 ? `, ${left}` : "");
  return `${used}, ${left}`;
}

function delayItem(d) {
  const li = document.createElement("li");
  const kind = document.createElement("strong");
  kind.textContent = d.kind === "PROCESSING" ? "처리 지연" : "입력 지연";
  const what = d.kind === "PROCESSING"
    ? `기한 ${when(d.dueAt)} 경과`
    : `입력 ${d.lateEntries.length}건, 실제 처리보다 근무시간 최대 ${d.lagHours.toFixed(1)}시간 늦게 입력`;
  li.append(kind, ` ${what}${d.step ? ` (${d.step.name})` : ""} · ${d.explanation ? `사유: ${d.explanation}` : "사유 미공개"}`);
  return li;
}

function historyItem(e) {
  const who = e.actor ? ` — ${e.actor.name} ${e.actor.title}` : "";
  const li = item(`${when(e.occurredAt)} ${EVENT[e.type] || e.type}${e.step ? ` (${e.step.name})` : ""}${who}`);
  li.dataset.sequence = e.sequence;
  return li;
}

async function show(receiptNo) {
  $("status").textContent = "조회 중…";
  $("unit-view").hidden = true;
  try {
    const data = await graphql(CASE, { receiptNo });
    if (!location.hash.startsWith("#/case/")) return;  // the reader moved on while this was loading
    if (!data.case) { $("case").hidden = true; $("status").textContent = "해당 접수번호의 민원이 없습니다."; return; }
    current = receiptNo; lastSequence = null;
    render(data.case);
    $("status").textContent = "";
    // Fire and forget: a refused or failed count must never hold the page up.
    graphql(VIEW, { receiptNo }).catch(() => {});
    $("graphiql").href = graphiql(CASE, { receiptNo });
    watch(receiptNo);
  } catch (error) {
    $("status").textContent = `조회하지 못했습니다: ${error.message}`;
  }
}

function watch(receiptNo) {
  if (socket) { socket.onclose = null; socket.close(); }
  const url = `${location.protocol === "https:" ? "wss" : "ws"}://${location.host}/graphql`;
  socket = new WebSocket(url, "graphql-transport-ws");
  socket.onopen = () => socket.send(JSON.stringify({ type: "connection_init" }));
  socket.onmessage = async (message) => {
    const data = JSON.parse(message.data);
    if (data.type === "connection_ack") {
      retry = 500; $("live").textContent = "실시간 연결됨"; $("live").className = "live on";
      socket.send(JSON.stringify({ id: "progress", type: "subscribe",
        payload: { query: PROGRESS, variables: { receiptNo, after: lastSequence } } }));
    } else if (data.type === "next") {
      const e = data.payload.data.caseProgress;
      if (lastSequence !== null && e.sequence <= lastSequence) return;
      lastSequence = e.sequence;
      const fresh = await graphql(CASE, { receiptNo });
      if (current === receiptNo && fresh.case) render(fresh.case);
      $("status").textContent = `새 처리 내역: ${EVENT[e.type] || e.type}`;
    } else if (data.type === "ping") {
      socket.send(JSON.stringify({ type: "pong" }));
    }
  };
  socket.onclose = () => {
    $("live").textContent = "재연결 중…"; $("live").className = "live";
    // Resume after the last sequence seen: nothing is lost while away.
    setTimeout(() => current === receiptNo && watch(receiptNo), retry);
    retry = Math.min(retry * 2, 10000);
  };
}

$("lookup").addEventListener("submit", (event) => {
  event.preventDefault();
  const receiptNo = $("receipt").value.trim();
  if (receiptNo) { location.hash = `#/case/${encodeURIComponent(receiptNo)}`; }
});
$("pick").addEventListener("submit", (event) => {
  event.preventDefault();
  // Global IDs are base64: readable as they are in a fragment, so links stay short and shareable.
  if ($("unit").value) { location.hash = `#/department/${$("unit").value}`; }
});

// Leaving a case: stop its live connection so it does not reconnect in the background.
function leaveCase() {
  current = null;
  if (socket) { socket.onclose = null; socket.close(); socket = null; }
  $("case").hidden = true;
}

window.addEventListener("hashchange", route);
function route() {
  const byCase = location.hash.match(/^#\/case\/(.+)$/);
  const byUnit = location.hash.match(/^#\/department\/(.+)$/);
  if (byCase) { const receiptNo = decodeURIComponent(byCase[1]); $("receipt").value = receiptNo; show(receiptNo); }
  else if (byUnit) { leaveCase(); showDepartment(decodeURIComponent(byUnit[1])); }
  else { leaveCase(); $("unit-view").hidden = true; }
}

// department.js loads after this file: start once both are in (classic scripts run before DOMContentLoaded).
document.addEventListener("DOMContentLoaded", () => {
  $("graphiql-subscription").href = graphiql(FEED);
  $("graphiql-statistics").href = graphiql(STATISTICS, { ...lastTwelveMonths(), departmentId: null });
  loadDepartments().catch(() => { $("unit").options[0].textContent = "부서 목록을 불러오지 못했습니다"; });
  route();
});
