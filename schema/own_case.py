"""The applicant's private view: reachable only through `myCase` with the receipt number and access code."""

from __future__ import annotations

import strawberry

from resolvers.own_case import OwnCase as OwnCaseRow
from resolvers.own_case import all_documents
from schema.info import Info
from schema.nodes.case import Case
from schema.nodes.document import Document


@strawberry.type(description="The contact details the applicant gave. Shown only to the applicant.")
class ContactDetails:
    name: str = strawberry.field(description="Full name.")
    phone: str = strawberry.field(description="Phone number.")
    email: str = strawberry.field(description="E-mail address.")
    address: str = strawberry.field(description="Postal address.")


@strawberry.type(description="A case as its applicant sees it: the public case plus their own private data.")
class OwnCase:
    case: Case = strawberry.field(description="The case, as everyone sees it.")
    contact: ContactDetails = strawberry.field(description="What the applicant gave at intake.")
    case_id: strawberry.Private[int]

    @classmethod
    def from_row(cls, row: OwnCaseRow) -> OwnCase:
        person = row.applicant
        return cls(
            case=Case.from_model(row.case),
            contact=ContactDetails(name=person.name, phone=person.phone, email=person.email, address=person.address),
            case_id=row.case.id,
        )

    @strawberry.field(description="Every document of the case, private ones included.")
    async def documents(self, info: Info) -> list[Document]:
        return [Document.from_model(row) for row in await all_documents(info.context, self.case_id)]
