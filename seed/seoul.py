"""Seoul as the demo draws it: the 25 autonomous districts (자치구) with their neighbourhoods, roads and district
offices, City Hall's units that handle disclosed tasks, the fire stations and the education district offices.

Unit names are those Seoul's offices use (a district office's 도시관리국 > 건축과 > 건축허가팀); a task type names
the unit that handles it by `handles`, and a case goes to that unit of the district its address lies in (or of City
Hall, for the tasks the law gives the mayor). Populations are rounded resident counts in thousands (2024): cases
are drawn in proportion.
"""

from collections.abc import Callable
from dataclasses import dataclass


@dataclass(frozen=True)
class Unit:
    """A unit, its head's title and the units under it; a team names the tasks it handles by `handles`."""

    name: str
    head: str
    units: tuple["Unit", ...] = ()
    handles: str | None = None


def team(name: str, handles: str) -> Unit:
    return Unit(name, "팀장", handles=handles)


def division(name: str, *teams: Unit) -> Unit:
    return Unit(name, "과장", teams)


@dataclass(frozen=True)
class District:
    name: str
    # The administrative area code (행정구역코드); department codes are built from it.
    code: str
    # The district's own English name.
    english: str
    population: int
    neighbourhoods: tuple[str, ...]
    roads: tuple[str, ...]
    fire_station: str
    education_office: str


# A district office's units that handle disclosed tasks, the same in every district (Seoul's districts organise
# these functions alike, under differing bureau names; these are the most common).
DISTRICT_OFFICE: tuple[Unit, ...] = (
    Unit(
        "도시관리국",
        "국장",
        (
            division("건축과", team("건축허가팀", "gu.building"), team("건축지도팀", "gu.building_enforcement")),
            division("주택과", team("주거정비팀", "gu.renewal"), team("공동주택팀", "gu.housing")),
            division("도시계획과", team("도시계획팀", "gu.planning"), team("토지관리팀", "gu.land")),
        ),
    ),
    Unit(
        "안전건설국",
        "국장",
        (
            division("건설관리과", team("도로관리팀", "gu.roads"), team("가로정비팀", "gu.signs")),
            division("교통행정과", team("주차관리팀", "gu.parking"), team("자동차관리팀", "gu.vehicles")),
            division("안전재난과", team("안전관리팀", "gu.safety")),
            division("환경과", team("환경관리팀", "gu.environment")),
        ),
    ),
    Unit(
        "보건소",
        "보건소장",
        (
            division("위생과", team("식품위생팀", "gu.food"), team("공중위생팀", "gu.hygiene")),
            division("의약과", team("의약팀", "gu.medical")),
        ),
    ),
    Unit("복지문화국", "국장", (division("문화체육과", team("문화관광팀", "gu.culture")),)),
)

# City Hall's bureaus that handle the tasks the law gives the mayor, and the audit committee the standing
# inspection teams belong to.
CITY_HALL: tuple[Unit, ...] = (
    Unit("주택실", "실장", (division("공동주택과", team("주택사업팀", "city.housing_plans")),)),
    Unit("안전총괄실", "실장", (division("도로관리과", team("도로관리팀", "city.road_works")),)),
    Unit(
        "기후환경본부",
        "본부장",
        (
            division("대기정책과", team("배출시설관리팀", "city.emissions")),
            division("자원순환과", team("폐기물관리팀", "city.waste")),
        ),
    ),
    Unit("시민건강국", "국장", (division("보건의료정책과", team("의료기관팀", "city.hospitals")),)),
    Unit("물순환안전국", "국장", (division("하천관리과", team("하천관리팀", "city.rivers")),)),
    Unit("감사위원회", "위원장", (division("감사담당관", team("상시감찰팀", "city.inspection")),)),
)


@dataclass(frozen=True)
class Agency:
    """A body with an office for each group of districts (fire stations, education district offices)."""

    code: str
    name: str
    head: str
    office_head: str
    office_units: tuple[Unit, ...]
    office_of: Callable[["District"], str]


AGENCIES: tuple[Agency, ...] = (
    Agency(
        "FIRE",
        "서울특별시 소방재난본부",
        "본부장",
        "서장",
        (division("예방과", team("위험물안전팀", "fire.hazardous")),),
        lambda district: f"{district.fire_station}소방서",
    ),
    # The education office is not the city's, but its district offices register the academies of this catalogue.
    Agency(
        "EDU",
        "서울특별시교육청",
        "교육감",
        "교육장",
        (division("평생교육건강과", team("평생교육팀", "edu.academies")),),
        lambda district: f"{district.education_office}교육지원청",
    ),
)


# name, area code, English name, residents (thousands) | neighbourhoods (동) | roads | fire station, education office
_TABLE = """
종로구 11110 Jongno-gu 139 | 청운효자동 사직동 삼청동 혜화동 | 종로 율곡로 대학로 자하문로 | 종로 중부
중구 11140 Jung-gu 121 | 소공동 명동 필동 신당동 | 을지로 퇴계로 다산로 명동길 | 중부 중부
용산구 11170 Yongsan-gu 214 | 후암동 이태원동 한남동 보광동 | 한강대로 이태원로 한남대로 후암로 | 용산 중부
성동구 11200 Seongdong-gu 281 | 왕십리동 성수동 행당동 금호동 | 왕십리로 성수일로 고산자로 금호로 | 성동 성동광진
광진구 11215 Gwangjin-gu 336 | 화양동 군자동 구의동 자양동 | 능동로 아차산로 자양로 광나루로 | 광진 성동광진
동대문구 11230 Dongdaemun-gu 341 | 회기동 휘경동 이문동 장안동 | 왕산로 회기로 이문로 장한로 | 동대문 동부
중랑구 11260 Jungnang-gu 379 | 면목동 상봉동 망우동 신내동 | 망우로 면목로 용마산로 신내로 | 중랑 동부
성북구 11290 Seongbuk-gu 430 | 돈암동 안암동 정릉동 길음동 | 보문로 동소문로 정릉로 안암로 | 성북 성북강북
강북구 11305 Gangbuk-gu 287 | 미아동 번동 수유동 우이동 | 도봉로 삼양로 수유로 인수봉로 | 강북 성북강북
도봉구 11320 Dobong-gu 300 | 쌍문동 방학동 창동 도봉동 | 도봉로 방학로 해등로 노해로 | 도봉 북부
노원구 11350 Nowon-gu 494 | 월계동 공릉동 하계동 상계동 | 동일로 노원로 한글비석로 화랑로 | 노원 북부
은평구 11380 Eunpyeong-gu 461 | 녹번동 불광동 응암동 진관동 | 통일로 연서로 은평로 서오릉로 | 은평 서부
서대문구 11410 Seodaemun-gu 307 | 충현동 신촌동 연희동 홍제동 | 신촌로 연희로 연세로 모래내로 | 서대문 서부
마포구 11440 Mapo-gu 367 | 공덕동 아현동 서교동 망원동 | 양화로 월드컵로 마포대로 독막로 | 마포 서부
양천구 11470 Yangcheon-gu 430 | 목동 신월동 신정동 | 목동로 신월로 오목로 목동동로 | 양천 강서양천
강서구 11500 Gangseo-gu 556 | 염창동 등촌동 화곡동 가양동 | 공항대로 화곡로 강서로 양천로 | 강서 강서양천
구로구 11530 Guro-gu 400 | 신도림동 구로동 가리봉동 개봉동 | 구로중앙로 디지털로 경인로 개봉로 | 구로 남부
금천구 11545 Geumcheon-gu 230 | 가산동 독산동 시흥동 | 시흥대로 가산디지털1로 독산로 벚꽃로 | 금천 남부
영등포구 11560 Yeongdeungpo-gu 395 | 영등포동 여의도동 당산동 문래동 | 여의대로 영등포로 당산로 국회대로 | 영등포 남부
동작구 11590 Dongjak-gu 381 | 노량진동 상도동 흑석동 사당동 | 노량진로 상도로 흑석로 사당로 | 동작 동작관악
관악구 11620 Gwanak-gu 486 | 봉천동 신림동 남현동 | 관악로 남부순환로 신림로 봉천로 | 관악 동작관악
서초구 11650 Seocho-gu 408 | 서초동 잠원동 반포동 방배동 | 서초대로 반포대로 방배로 사평대로 | 서초 강남서초
강남구 11680 Gangnam-gu 557 | 신사동 논현동 압구정동 역삼동 | 테헤란로 도산대로 압구정로 봉은사로 | 강남 강남서초
송파구 11710 Songpa-gu 653 | 풍납동 잠실동 가락동 문정동 | 올림픽로 송파대로 가락로 백제고분로 | 송파 강동송파
강동구 11740 Gangdong-gu 463 | 강일동 상일동 명일동 천호동 | 천호대로 양재대로 상일로 고덕로 | 강동 강동송파
"""


def _district(row: str) -> District:
    head, dongs, roads, offices = row.split(" | ")
    name, code, english, population = head.split()
    fire, education = offices.split()
    return District(name, code, english, int(population), tuple(dongs.split()), tuple(roads.split()), fire, education)


DISTRICTS: tuple[District, ...] = tuple(_district(row) for row in _TABLE.strip().splitlines())
DISTRICT_NAMES = tuple(district.name for district in DISTRICTS)


def _teams(units: tuple[Unit, ...]) -> dict[str, str]:
    found = {unit.handles: unit.name for unit in units if unit.handles}
    for unit in units:
        found |= _teams(unit.units)
    return found


# What a task type may name as its handling unit (`handles`) → that team's name.
TEAMS = _teams(DISTRICT_OFFICE + CITY_HALL + tuple(unit for agency in AGENCIES for unit in agency.office_units))
