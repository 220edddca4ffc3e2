"""Korean names, places and contacts for the demo.

Officers and applicants draw given names from two disjoint pools and use different phone and e-mail
forms, so a test can search every public response for applicants' data without false alarms.
"""

import random

SURNAMES = (
    ("김", 21),
    ("이", 15),
    ("박", 8),
    ("최", 5),
    ("정", 4),
    ("강", 2),
    ("조", 2),
    ("윤", 2),
    ("장", 2),
    ("임", 2),
    ("한", 1),
    ("오", 1),
    ("서", 1),
    ("신", 1),
    ("권", 1),
    ("황", 1),
    ("안", 1),
    ("송", 1),
    ("류", 1),
    ("홍", 1),
)
SURNAME_CHOICES = [name for name, _ in SURNAMES]
SURNAME_WEIGHTS = [weight for _, weight in SURNAMES]
OFFICER_GIVEN = (
    "민준",
    "서연",
    "지훈",
    "수빈",
    "현우",
    "지원",
    "도윤",
    "예린",
    "성민",
    "혜진",
    "준호",
    "미경",
    "상훈",
    "은정",
    "재원",
    "소영",
    "동현",
    "유진",
    "태호",
    "정민",
    "승현",
    "하은",
    "영수",
    "경희",
    "진우",
    "수정",
    "병철",
    "은주",
    "기현",
    "윤희",
    "창민",
    "보람",
    "재혁",
    "다은",
    "형준",
    "선영",
    "우진",
    "나연",
    "광수",
    "희정",
)
APPLICANT_GIVEN = (
    "가온",
    "나래",
    "다솜",
    "라온",
    "마루",
    "바다",
    "사랑",
    "아름",
    "자경",
    "차돌",
    "하늘",
    "겨레",
    "누리",
    "단비",
    "루리",
    "미르",
    "보미",
    "새롬",
    "아라",
    "이슬",
    "종필",
    "찬솔",
    "태양",
    "한결",
    "가람",
    "노을",
    "도담",
    "로운",
    "슬기",
    "여울",
    "온새",
    "윤슬",
    "채운",
    "한별",
    "해랑",
    "그루",
    "별하",
    "솔비",
    "은결",
    "초롱",
)
TITLES = ("주무관", "주무관", "주무관", "행정주사", "시설주사", "행정주사보")
EMAIL_DOMAINS = ("naver.com", "gmail.com", "daum.net", "kakao.com", "hanmail.net")
LATIN = "abcdefghijklmnopqrstuvwxyz"

DISTRICTS = {
    "종로구": ("청운효자동", "사직동", "삼청동", "혜화동"),
    "중구": ("소공동", "명동", "필동", "신당동"),
    "용산구": ("후암동", "이태원동", "한남동", "보광동"),
    "성동구": ("왕십리동", "성수동", "행당동", "금호동"),
    "광진구": ("화양동", "군자동", "구의동", "자양동"),
    "동대문구": ("회기동", "휘경동", "이문동", "장안동"),
    "중랑구": ("면목동", "상봉동", "망우동", "신내동"),
    "성북구": ("돈암동", "안암동", "정릉동", "길음동"),
    "강북구": ("미아동", "번동", "수유동", "우이동"),
    "도봉구": ("쌍문동", "방학동", "창동", "도봉동"),
    "노원구": ("월계동", "공릉동", "하계동", "상계동"),
    "은평구": ("녹번동", "불광동", "응암동", "진관동"),
    "서대문구": ("충현동", "신촌동", "연희동", "홍제동"),
    "마포구": ("공덕동", "아현동", "서교동", "망원동"),
    "양천구": ("목동", "신월동", "신정동"),
    "강서구": ("염창동", "등촌동", "화곡동", "가양동"),
    "구로구": ("신도림동", "구로동", "가리봉동", "개봉동"),
    "금천구": ("가산동", "독산동", "시흥동"),
    "영등포구": ("영등포동", "여의도동", "당산동", "문래동"),
    "동작구": ("노량진동", "상도동", "흑석동", "사당동"),
    "관악구": ("봉천동", "신림동", "남현동"),
    "서초구": ("서초동", "잠원동", "반포동", "방배동"),
    "강남구": ("신사동", "논현동", "압구정동", "역삼동"),
    "송파구": ("풍납동", "잠실동", "가락동", "문정동"),
    "강동구": ("강일동", "상일동", "명일동", "천호동"),
}
ROADS = (
    "세종대로",
    "을지로",
    "한강대로",
    "도봉로",
    "동일로",
    "왕산로",
    "양화로",
    "강남대로",
    "테헤란로",
    "올림픽로",
    "남부순환로",
    "시흥대로",
    "천호대로",
    "통일로",
    "망우로",
    "봉은사로",
    "도산대로",
    "신촌로",
    "여의대로",
    "영동대로",
)
SHOP_WORDS = (
    "한솥",
    "푸른솔",
    "은하수",
    "새벽",
    "큰마을",
    "옛골",
    "들꽃",
    "햇살",
    "청기와",
    "소나무",
    "달빛",
    "한마당",
)


def surname(rng: random.Random) -> str:
    return rng.choices(SURNAME_CHOICES, SURNAME_WEIGHTS)[0]


def officer_name(rng: random.Random) -> str:
    return surname(rng) + rng.choice(OFFICER_GIVEN)


def applicant_name(rng: random.Random) -> str:
    return surname(rng) + rng.choice(APPLICANT_GIVEN)


def officer_phone(serial: int) -> str:
    # Seoul City Hall's public numbers are 02-2133-XXXX; the demo keeps that form.
    return f"02-2133-{serial % 10_000:04d}"


def officer_email(rng: random.Random, serial: int) -> str:
    return f"{''.join(rng.choices(LATIN, k=3))}{serial}@seoul.go.kr"


def applicant_phone(rng: random.Random) -> str:
    return f"010-{rng.randrange(2000, 10_000):04d}-{rng.randrange(10_000):04d}"


def applicant_email(rng: random.Random, serial: int) -> str:
    return f"{''.join(rng.choices(LATIN, k=rng.randint(4, 8)))}{serial}@{rng.choice(EMAIL_DOMAINS)}"


def place(rng: random.Random) -> tuple[str, str]:
    """(district and neighbourhood, street address) somewhere in Seoul."""
    district = rng.choice(list(DISTRICTS))
    dong = rng.choice(DISTRICTS[district])
    return f"{district} {dong}", f"서울특별시 {district} {rng.choice(ROADS)} {rng.randint(1, 400)}"


def shop_name(rng: random.Random, kind: str) -> str:
    return f"{rng.choice(SHOP_WORDS)}{kind}"
