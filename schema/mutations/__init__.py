"""The write side: the approval workflow for officers, and online applications for applicants.

Every mutation returns the changed object or a typed `WorkflowError`; missing credentials and missing
permissions are top-level errors (codes UNAUTHENTICATED, FORBIDDEN). Every change appends its events.
"""

import strawberry

from schema.mutations import application, case, document, reference, scheduled_action, step, webhook

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
    complete_action = strawberry.mutation(
        resolver=scheduled_action.complete_action,
        description="Record that a next action was carried out." + SIGNED_IN,
    )
