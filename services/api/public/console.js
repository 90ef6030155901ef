// The duty console. Post texts, titles and authors are hostile input: they are only ever set
// with textContent, never as HTML.
'use strict';
const STAGES = { statement: '权威信息发布（5小时）', press_conference: '新闻发布会（24小时）', response: '舆情回应（48小时）', continued_release: '持续发布', disclosure_reply: '依申请公开答复' };
const STATUS = { detected: '待确认', confirmed: '已确认', responding: '处置中', resolved: '已办结', dismissed: '已排除', running: '计时中', met: '已按时完成', breached: '已超时', cancelled: '已取消', paused: '已暂停' };
let selected = null;

function el(tag, text, cls) { const e = document.createElement(tag); if (text !== undefined) e.textContent = text; if (cls) e.className = cls; return e; }
function left(due) {
  if (!due) return { text: '未计时', late: false };
  const ms = Date.parse(due) - Date.now(); const a = Math.abs(ms);
  const h = Math.floor(a / 3600000), m = Math.floor((a % 3600000) / 60000), s = Math.floor((a % 60000) / 1000);
  const t = `${h}:${String(m).padStart(2, '0')}:${String(s).padStart(2, '0')}`;
  return ms >= 0 ? { text: `剩余 ${t}`, late: false } : { text: `超时 ${t}`, late: true };
}
function beijing(iso) { return iso ? new Date(Date.parse(iso) + 8 * 3600000).toISOString().slice(0, 19).replace('T', ' ') : '—'; }

async function refreshList() {
  const res = await fetch('/api/incidents');
  const body = await res.json();
  const list = document.getElementById('incidents');
  list.replaceChildren(...body.incidents.map((i) => {
    const li = el('li'); li.dataset.due = i.nextDueAt || '';
    li.append(el('span', i.level || '—', `level ${i.level || ''}`));
    if (i.drill) li.append(el('span', '【演练】', 'drill'));
    li.append(el('span', i.title), el('span', '', 'countdown'));
    li.append(el('div', `${STATUS[i.status] || i.status} · ${i.counties.join('、') || '地点待定'} · ${i.postCount} 条`));
    li.onclick = () => { selected = i.id; refreshDetail(); };
    return li;
  }));
  tick();
  document.getElementById('status').textContent = `已更新 ${beijing(new Date().toISOString())}`;
}

async function refreshDetail() {
  if (!selected) return;
  const res = await fetch(`/api/incidents/${encodeURIComponent(selected)}`);
  if (!res.ok) return;
  const d = await res.json();
  document.getElementById('detail').hidden = false;
  document.getElementById('d-title').textContent = d.incident.title;
  document.getElementById('d-meta').textContent = `级别 ${d.incident.level || '待定'}${d.incident.levelConfirmed ? '（已确认）' : '（系统研判）'} · ${STATUS[d.incident.status]} · 起算时间 ${beijing(d.incident.t0)} · 责任单位 ${d.incident.departments.join('、') || '待指派'}`;
  document.querySelector('#d-clocks tbody').replaceChildren(...d.clocks.map((c) => {
    const tr = el('tr'); tr.dataset.due = c.status === 'running' || c.status === 'breached' ? c.dueAt : '';
    tr.append(el('td', STAGES[c.stage] || c.stage), el('td', STATUS[c.status] || c.status), el('td', beijing(c.dueAt)), el('td', '', 'countdown'));
    return tr;
  }));
  document.getElementById('d-alerts').replaceChildren(...d.alerts.map((a) => el('li', `${beijing(a.createdAt)} ${a.body}${a.count > 1 ? ` ×${a.count}` : ''}`, a.severity === 'critical' ? 'late' : '')));
  document.getElementById('d-posts').replaceChildren(...d.posts.map((p) => el('li', `${beijing(p.publishedAt)} [${p.sourceId}] ${p.title ? p.title + '：' : ''}${p.text}`)));
  tick();
}

function tick() {
  for (const node of document.querySelectorAll('[data-due]')) {
    const c = node.querySelector('.countdown'); if (!c) continue;
    const l = left(node.dataset.due); c.textContent = l.text; c.classList.toggle('late', l.late);
  }
}

setInterval(tick, 1000);
setInterval(() => { refreshList().catch(() => {}); refreshDetail().catch(() => {}); }, 5000);
refreshList().catch((e) => { document.getElementById('status').textContent = `无法连接：${e.message}`; });
