"""The cyber-audit rules as a GraphQL enum, described once for every type that names one."""

from resolvers.audit import AuditRule
from schema.described import described

described(
    AuditRule,
    "What a cyber audit looks for (사이버 감사 규칙).",
    {
        AuditRule.OUT_OF_ORDER: "A step signed while an earlier step of its line (not skipped) was unsigned, "
        "or was signed only later (순서 위반 결재). The finding's officer is the signer.",
        AuditRule.SIGNED_BY_OTHER: "A step signed by someone other than its assigned officer (대리 결재), "
        "including a supervisor acting for the assignee, which the workflow allows; the detail says which it was. "
        "The finding's officer is the signer; the step's `officer` is the assignee.",
        AuditRule.BACKDATED: "An event an officer dated, entered longer after it says it happened than the "
        "back-dating limit (소급 입력). The finding's officer entered it.",
        AuditRule.REPEATED_RETURNS: "A case returned for supplements at least `minReturns` times (반복 "
        "보완요구). The finding's officer is named when one officer made every return.",
        AuditRule.HELD_TOO_LONG: "A step held longer than `heldFactor` × its template's standard days (장기 "
        "보유), counted in working days from its start to its signature (or today), days awaiting supplements left "
        "out. The finding's officer is the assignee.",
        AuditRule.FINISHED_OUT_OF_TURN: "A case rejected, withdrawn or closed by an officer who neither held "
        "the step whose turn it was (the first step the ending skipped, else the last step) nor heads that step's "
        "unit or the case's department (차례 외 종결). The workflow refuses this now; the rule finds it in the "
        "history. The finding's officer ended the case; its step is the one whose turn it was.",
    },
)

__all__ = ["AuditRule"]
