from sqlalchemy import String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from models.base import Base
from models.search import search_grams_column, search_grams_index


class LegalReference(Base):
    """One article of a law that a task type or an approval step rests on."""

    __tablename__ = "legal_reference"

    id: Mapped[int] = mapped_column(primary_key=True)
    law: Mapped[str] = mapped_column(String(100))
    article: Mapped[str] = mapped_column(String(30))
    title: Mapped[str] = mapped_column(String(200))
    excerpt: Mapped[str] = mapped_column(Text)
    url: Mapped[str] = mapped_column(String(300))
    search_grams: Mapped[list[str] | None] = search_grams_column("law", "article", "title")

    __table_args__ = (UniqueConstraint("law", "article"), search_grams_index("legal_reference"))
