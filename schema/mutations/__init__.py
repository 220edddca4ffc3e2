"""The write side: the approval workflow for officers, and online applications for applicants.

Every mutation returns the changed object or a typed `WorkflowError`; missing credentials and missing
permissions are top-level errors (codes UNAUTHENTICATED, FORBIDDEN). Every change appends its events.
"""

import strawberry

from schema.mutations import application, case, document, opinion, oversight, reference, scheduled_action, step, webhook
from schema.permissions import IsAdministrator

SIGNED_IN = " Needs an officer's bearer token."


@strawberry.type(description="Changes to cases. Officers authenticate with `Authorization: Bearer <token>`.")
class Mutation:
    submit_application = strawberry.mutation(
        resolver=application.submit_application,
        description="File an application online: returns the receipt number and a one-time access code. "
        "Rate-limited per client address.",
    )
    register_case = strawberry.mutation(
        resolver=case.register_case,
        description="Register a case at intake; its approval line is copied from the task type." + SIGNED_IN,
    )
    start_step = strawberry.mutation(
        resolver=step.start_step, description="Begin work on the step whose turn it is." + SIGNED_IN
    )
    sign_step = strawberry.mutation(
        resolver=step.sign_step,
        description="Sign (approve) the current step: its officer, or a supervisor acting for them, once." + SIGNED_IN,
    )
    return_step = strawberry.mutation(
        resolver=step.return_step,
        description="Return the case to the applicant for supplements; the statutory clock stops." + SIGNED_IN,
    )
    reassign_step = strawberry.mutation(
        resolver=step.reassign_step,
        description="Give an unfinished step to another officer (supervisors only)." + SIGNED_IN,
    )
    resume_case = strawberry.mutation(
        resolver=case.resume_case,
        description="The supplements arrived: the returned step runs again, the pause is added to the deadlines."
        + SIGNED_IN,
    )
    reject_case = strawberry.mutation(resolver=case.reject_case, description="Refuse and close a case." + SIGNED_IN)
    withdraw_case = strawberry.mutation(
        resolver=case.withdraw_case, description="Record the applicant's withdrawal and close the case." + SIGNED_IN
    )
    close_case = strawberry.mutation(
        resolver=case.close_case,
        description="Record the result of a fully signed case and close it." + SIGNED_IN,
    )
    register_document = strawberry.mutation(
        resolver=document.register_document, description="Register a public or private document." + SIGNED_IN
    )
    schedule_action = strawberry.mutation(
        resolver=scheduled_action.schedule_action, description="Announce a next action on a case." + SIGNED_IN
    )
    reschedule_action = strawberry.mutation(
        resolver=scheduled_action.reschedule_action,
        description="Move a next action to another time, keeping the old one and a coded reason." + SIGNED_IN,
    )
    import_reference_data = strawberry.mutation(
        resolver=reference.import_reference_data,
        description="Create or update task types (with their approval lines), laws, departments and officers "
        "from one document. Administrators only." + SIGNED_IN,
    )
    register_webhook = strawberry.mutation(
        resolver=webhook.register_webhook,
        description="Push public events to an organisation's endpoint, signed and retried. Administrators only."
        + SIGNED_IN,
    )
    pause_webhook = strawberry.mutation(
        resolver=webhook.pause_webhook,
        description="Stop sending to a webhook; `resumeWebhook` later delivers what it missed, in order. "
        "Administrators only." + SIGNED_IN,
        permission_classes=[IsAdministrator],
    )
    resume_webhook = strawberry.mutation(
        resolver=webhook.resume_webhook,
        description="Deliver again, at once, every matching event after the webhook's `deliveredThrough`. "
        "Administrators only." + SIGNED_IN,
        permission_classes=[IsAdministrator],
    )
    delete_webhook = strawberry.mutation(
        resolver=webhook.delete_webhook,
        description="Send nothing more to a webhook, ever. Administrators only." + SIGNED_IN,
        permission_classes=[IsAdministrator],
    )
    rotate_webhook_secret = strawberry.mutation(
        resolver=webhook.rotate_webhook_secret,
        description="Replace a webhook's secret and show the new one, once; from now on every delivery is signed "
        "with it and the old one signs nothing. Administrators only." + SIGNED_IN,
        permission_classes=[IsAdministrator],
    )
    complete_action = strawberry.mutation(
        resolver=scheduled_action.complete_action,
        description="Record that a next action was carried out." + SIGNED_IN,
    )
    cancel_action = strawberry.mutation(
        resolver=scheduled_action.cancel_action,
        description="Call off a next action, with a public reason; it stays listed as cancelled." + SIGNED_IN,
    )
    leave_opinion = strawberry.mutation(
        resolver=opinion.leave_opinion,
        description="Leave an opinion (시민의견) on a case, a step, an officer or a task type. Anyone may; nothing "
        "about the author is stored. Rate-limited per client address.",
    )
    moderate_opinion = strawberry.mutation(
        resolver=opinion.moderate_opinion,
        description="Publish or hide an opinion with a public reason: a supervisor of the department concerned "
        "(or above it), or an administrator." + SIGNED_IN,
    )
    answer_opinion = strawberry.mutation(
        resolver=opinion.answer_opinion,
        description="Answer a published opinion in public, once: an officer of the department concerned, or a "
        "supervisor above it." + SIGNED_IN,
    )
    explain_delay = strawberry.mutation(
        resolver=oversight.explain_delay,
        description="Publish the department's explanation of a delay: the officer it is about, an officer "
        "handling the case, or a supervisor over its department." + SIGNED_IN,
    )
    dispose_audit_finding = strawberry.mutation(
        resolver=oversight.dispose_audit_finding,
        description="Record an auditor's decision on a cyber-audit finding (reviewed, no issue, referred for "
        "discipline) with the reason; a later decision replaces it. The public FINDING_DISPOSED event says only the "
        "rule and the decision. Auditors only." + SIGNED_IN,
    )
    award_inputter = strawberry.mutation(
        resolver=oversight.award_inputter,
        description="Record a month's award for timely input (Seoul gave seven a month) to an officer among the "
        "first INPUTTER_AWARDS_PER_MONTH of that month's ranking, once the month is over; public, as an "
        "INPUTTER_AWARDED event. The audit office only: an auditor, or a supervisor heading a unit where auditors "
        "work." + SIGNED_IN,
    )
    record_inspection = strawberry.mutation(
        resolver=oversight.record_inspection,
        description="Record a standing inspection once its cases are sampled: an outcome for each sampled case "
        "(with the officer concerned and a note, for auditors) and a public summary; the INSPECTION_COMPLETED "
        "event gives the sample and the outcomes in aggregate. A member of the inspecting team only." + SIGNED_IN,
    )
    record_case_view = strawberry.mutation(
        resolver=oversight.record_case_view,
        description="Count one view of a case's public page (nothing about the viewer is kept). "
        "Rate-limited per client address.",
    )
    record_document_view = strawberry.mutation(
        resolver=oversight.record_document_view,
        description="Count one view of a public document (nothing about the viewer is kept). "
        "Rate-limited per client address.",
    )
