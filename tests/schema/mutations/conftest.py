import httpx
import pytest

from tests.helpers import Officers
from tests.schema.mutations.workflow import Desk


@pytest.fixture
def desk(writer: httpx.AsyncClient, officers: Officers) -> Desk:
    return Desk(writer, officers)
