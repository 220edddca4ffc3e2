"""The one personal-data screen (resolvers/personal_data.py): the disguises an attacker used to publish contact
details past the first screen (issue 22, item 11) and more, and ordinary public text that must pass."""

import pytest

from resolvers.personal_data import found_in

PHONE, EMAIL, RESIDENT = "전화번호", "전자우편 주소", "주민등록번호"


@pytest.mark.parametrize(
    ("text", "kind"),
    [
        # The three the first screen caught.
        ("담당자님 010-1234-5678로 연락 주세요", PHONE),
        ("회신은 gildong@example.com 으로", EMAIL),
        ("신청인 900101-1234567 본인", RESIDENT),
        # The eleven it let through.
        ("연락처 0 1 0 1 2 3 4 5 6 7 8", PHONE),
        ("연락처 010\u200b1234\u200b5678", PHONE),
        ("연락처 010ㅡ1234ㅡ5678", PHONE),
        ("연락처 010/1234/5678", PHONE),
        ("메일 gildong(at)example.com", EMAIL),
        ("메일 gildong 골뱅이 example 닷 com", EMAIL),
        ("해외에서 82-10-1234-5678", PHONE),
        ("번호 900101.1234567", RESIDENT),
        ("공일공 일이삼사 오육칠팔로 전화", PHONE),
        ("앞자리 900101 뒷자리는 1234567", RESIDENT),
        ("구공공일공일 다음 일이삼사오육칠", RESIDENT),
        # And more of the same family.
        ("+82 10 1234 5678", PHONE),
        ("０１０－１２３４－５６７８", PHONE),
        ("서울 (02)2133-1234", PHONE),
        ("gildong [at] example [dot] com", EMAIL),
        ("gildong at example dot com", EMAIL),
        ("gildong＠example．com", EMAIL),
        ("9\u200d0\u200d0\u200d1\u200d0\u200d1-1234567", RESIDENT),
    ],
)
def test_disguised_personal_data_is_found(text: str, kind: str) -> None:
    assert kind in found_in(text)


@pytest.mark.parametrize(
    "text",
    [
        "2026년 3월 5일 접수했는데 처리기간 14일이 지났습니다. 수수료 40,000원.",
        "건축법 제11조 제1항에 따라 2026.12.01 10:00 허가",
        "접수 2026-12-01, 기한 2026-12-15 (10일)",
        "문서번호 2026-BLD-PMT-00018 참조",
        "면적 1,234.56㎡, 높이 12.5m, 지상 5층",
        "이 사건은 오늘 오후 일찍 처리합니다",
        "We met at the office; see the plan at page 3.",
        "앳된 목소리로 문의",
    ],
)
def test_ordinary_public_text_passes(text: str) -> None:
    assert found_in(text) == []
