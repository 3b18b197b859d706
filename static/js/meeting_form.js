// The meeting logging screen: show who is expected for the chosen kinds and 党小组, count 应到/实到
// live and show the quorum (支部条例 第十一、十二条). The server recomputes and validates all of it.
(function () {
  "use strict";
  var form = document.getElementById("meeting-form");
  if (!form) return;
  var rows = Array.prototype.slice.call(form.querySelectorAll("#attendance tbody tr[data-member]"));
  var countsBox = document.getElementById("counts");
  var quorumBox = document.getElementById("quorum");
  var groupSelect = form.querySelector("[name=party_group]");

  function chosenKinds() {
    return Array.prototype.slice.call(form.querySelectorAll("#kinds input:checked")).map(function (i) { return i.value; });
  }

  function status(row) {
    var checked = row.querySelector("input[type=radio]:checked");
    return checked ? checked.value : "present";
  }

  function expectedFilter(kinds) {
    var branchWide = kinds.some(function (k) { return k !== "group_meeting" && k !== "branch_committee"; });
    var group = groupSelect ? groupSelect.value : "";
    if (!branchWide && kinds.indexOf("group_meeting") >= 0 && group) {
      return function (row) { return row.dataset.group === group; };
    }
    if (kinds.length && !branchWide && kinds.indexOf("group_meeting") < 0) {
      return function (row) { return row.dataset.committee === "1"; };
    }
    return function () { return true; };
  }

  function update() {
    var kinds = chosenKinds();
    var expected = expectedFilter(kinds);
    var shown = [];
    rows.forEach(function (row) {
      var on = expected(row);
      row.hidden = !on;
      row.querySelectorAll("input").forEach(function (input) { input.disabled = !on; });
      if (on) shown.push(row);
    });
    var present = shown.filter(function (r) { return status(r) === "present"; });
    var full = present.filter(function (r) { return r.dataset.category === "full"; }).length;
    var leave = shown.filter(function (r) { return status(r) === "leave"; }).length;
    countsBox.textContent = "应到 " + shown.length + " 人，实到 " + present.length + " 人（正式党员 " + full +
      "，预备党员 " + (present.length - full) + "），请假 " + leave + " 人，缺席 " + (shown.length - present.length - leave) + " 人";
    var notes = [];
    // Exempted members are not expected, but count in the vote base unless left out with consent.
    var exemptVoters = parseInt(quorumBox.dataset.exemptVoters || "0", 10);
    var exemptCommittee = parseInt(quorumBox.dataset.exemptCommittee || "0", 10);
    function ofWhom(n) { return n ? "（含暂不参加组织生活 " + n + " 人）" : ""; }
    if (kinds.indexOf("branch_assembly") >= 0) {
      var voters = shown.filter(function (r) { return r.dataset.vote === "1"; });
      var votersPresent = voters.filter(function (r) { return status(r) === "present"; }).length;
      var base = voters.length + exemptVoters;
      var ok = votersPresent * 2 > base;
      notes.push([ok, "支部党员大会：应到会有表决权的党员 " + base + " 人" + ofWhom(exemptVoters) + "，实到 " +
        votersPresent + " 人，" + (ok ? "超过半数，可以进行表决。" : "未超过半数，不能进行表决。")]);
    }
    if (kinds.indexOf("branch_committee") >= 0) {
      // the committee's own members, even when the whole branch attends a meeting of several kinds
      var committee = shown.filter(function (r) { return r.dataset.committee === "1"; });
      var committeePresent = committee.filter(function (r) { return status(r) === "present"; }).length;
      var cbase = committee.length + exemptCommittee;
      var okc = committeePresent * 2 > cbase;
      notes.push([okc, "支委会：应到委员 " + cbase + " 人" + ofWhom(exemptCommittee) + "，实到 " + committeePresent +
        " 人，" + (okc ? "超过半数，会议有效。" : "未超过半数，会议不能进行。")]);
    }
    updateVotes(kinds, present, shown);
    quorumBox.innerHTML = "";
    notes.forEach(function (n) {
      var p = document.createElement("p");
      p.className = n[0] ? "note" : "warn";
      p.textContent = n[1];
      quorumBox.appendChild(p);
    });
  }

  // Each resolution passes only with more than half of the base in favour (not of those present).
  function updateVotes(kinds, present, shown) {
    var assembly = kinds.indexOf("branch_assembly") >= 0;
    var committee = kinds.indexOf("branch_committee") >= 0;
    var votesBox = document.getElementById("votes");
    if (!votesBox) return;
    votesBox.hidden = !(assembly || committee);
    var base;
    if (assembly) {
      base = shown.filter(function (r) { return r.dataset.vote === "1"; }).length + exemptVotersCount();
    } else {
      base = shown.filter(function (r) { return r.dataset.committee === "1"; }).length + exemptCommitteeCount();
    }
    votesBox.querySelectorAll("tr[data-vote-row]").forEach(function (row) {
      var cell = row.querySelector(".vote-verdict");
      var text = row.querySelector("input[name^=vote-text]").value.trim();
      var yes = parseInt(row.querySelector("input[name^=vote-for]").value || "0", 10);
      if (!text) { cell.textContent = ""; return; }
      var passed = yes * 2 > base;
      cell.textContent = (passed ? "通过" : "未通过") + "（赞成 " + yes + " / 应到会有表决权 " + base + "）";
      cell.className = "vote-verdict " + (passed ? "ok" : "warn");
    });
  }
  function exemptVotersCount() { return parseInt(quorumBox.dataset.exemptVoters || "0", 10); }
  function exemptCommitteeCount() { return parseInt(quorumBox.dataset.exemptCommittee || "0", 10); }

  // 全部出席: everyone back to present (approved leave stays 请假), reasons and late marks cleared.
  var allPresent = document.getElementById("all-present");
  if (allPresent) {
    allPresent.addEventListener("click", function () {
      rows.forEach(function (row) {
        var value = row.dataset.leave === "1" ? "leave" : "present";
        var radio = row.querySelector("input[type=radio][value=" + value + "]");
        if (radio) radio.checked = true;
        row.querySelectorAll("input[type=checkbox]").forEach(function (c) { c.checked = false; });
        if (value === "present") row.querySelectorAll("input[name^=reason-]").forEach(function (i) { i.value = ""; });
      });
      update();
    });
  }

  // The roster is the one of the meeting's date: when the date changes, fetch that day's rows (with
  // that day's approved leave) and keep what was already ticked for members in both.
  var body = document.getElementById("attendance-rows");
  var heldAt = form.querySelector("[name=held_at]");
  function reloadRoster() {
    var day = (heldAt.value || "").slice(0, 10);
    if (!body || !/^\d{4}-\d{2}-\d{2}$/.test(day) || day === body.dataset.day) return;
    var kept = {};
    rows.forEach(function (row) {
      // only what someone ticked or typed: a default 出席 must not hide the new date's approved leave
      kept[row.dataset.member] = Array.prototype.filter.call(row.querySelectorAll("input"), function (i) {
        return i.type === "radio" ? i.checked && i.value !== "present" : i.type === "checkbox" ? i.checked : i.value;
      }).map(function (i) { return [i.name, i.type, i.type === "radio" || i.type === "checkbox" ? true : i.value, i.value]; });
    });
    fetch(body.dataset.url + "?roster=" + day, {credentials: "same-origin"}).then(function (r) {
      if (!r.ok) throw new Error(r.status);
      return r.text();
    }).then(function (html) {
      body.innerHTML = html;
      body.dataset.day = day;
      rows = Array.prototype.slice.call(body.querySelectorAll("tr[data-member]"));
      rows.forEach(function (row) {
        (kept[row.dataset.member] || []).forEach(function (k) {
          var input = row.querySelector("input[name='" + k[0] + "']" + (k[1] === "radio" ? "[value='" + k[3] + "']" : ""));
          if (!input) return;
          if (k[1] === "radio" || k[1] === "checkbox") input.checked = true;
          else input.value = k[2];
        });
      });
      update();
    }).catch(function () { /* the server uses the date's roster when saving anyway */ });
  }
  if (heldAt) heldAt.addEventListener("change", reloadRoster);

  form.addEventListener("change", update);
  form.addEventListener("input", function (e) { if (e.target.name && e.target.name.indexOf("vote-") === 0) update(); });
  update();
})();
