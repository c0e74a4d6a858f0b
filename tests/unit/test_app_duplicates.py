"""The apps' duplicate check (issue 13, item 5) on a labelled set of our own: proposals that
repeat a registered app or group (and which one), and proposals that do not. It uses the
assessment catalog's Chinese matching (workflows.catalog.duplicates) unchanged; the figures
are in docs/apps.md (recall 6/6, precision 6/7 at the catalog's threshold)."""

from __future__ import annotations

from workflows.apps.duplicates import THRESHOLD, check_entries
from workflows.catalog import duplicates as matching

REGISTRY = [
    ("防汛值守打卡APP", "汛期村级防汛责任人每日在APP上打卡值守，上报雨情水情和巡查照片。", "app"),
    ("民政业务工作群", "民政局与村级民政协理员沟通低保、特困、临时救助业务通知和材料报送。",
     "wechat_group"),
    ("森林防灭火巡山打卡APP", "护林员和村干部在防火期每天巡山打卡，上传巡护轨迹和照片。", "app"),
    ("疫情防控工作群", "乡镇与各村沟通疫情防控通知、重点人员排查和每日零报告。", "wechat_group"),
    ("人居环境整治督导群", "各村每周上传村庄清洁、垃圾收运、厕所改造整治前后对比照片。",
     "wechat_group"),
    ("党建云平台", "村党支部在平台上录入三会一课、主题党日和党员学习记录。", "app"),
]
# (name, purpose, kind, the registered one it repeats or None)
LABELLED = [
    ("防汛值班打卡小程序", "汛期村级防汛值班人员每日打卡，上报雨情水情、巡查照片。", "app",
     "防汛值守打卡APP"),
    ("森林防火巡护打卡", "防火期护林员每日巡山巡护打卡，上传轨迹照片。", "app",
     "森林防灭火巡山打卡APP"),
    ("村级疫情信息报送群", "各村每日报送疫情防控重点人员排查情况和零报告。", "wechat_group",
     "疫情防控工作群"),
    ("村庄清洁行动拍照群", "每周上传村庄清洁和垃圾收运整治照片。", "wechat_group",
     "人居环境整治督导群"),
    ("三会一课记录小程序", "村党支部录入三会一课和主题党日记录。", "app", "党建云平台"),
    ("低保救助对象变动报送群", "每周在群内报送村级低保、特困救助对象变动情况。", "wechat_group",
     "民政业务工作群"),
    ("耕地保护巡查APP", "村级耕地保护网格员每月巡查耕地占用和撂荒情况并上报。", "app", None),
    ("统计数据直报平台", "村级统计员按月在平台直报村级基本情况统计数据。", "app", None),
    ("退役军人服务站工作群", "退役军人事务局与村服务站沟通优抚政策和走访慰问安排。", "wechat_group",
     None),
    ("农村养老保险缴费提醒群", "社保所提醒村民按年缴纳城乡居民养老保险并收集缴费凭证。",
     "wechat_group", None),
    ("河长制巡河APP", "村级河长每周巡河打卡，上报河道垃圾和排污口问题。", "app", None),
    ("电动自行车安全宣传群", "应急部门向各村推送电动自行车充电安全宣传材料。", "dingtalk_group",
     None),
]


def entries() -> list[matching.CatalogEntry]:
    return [matching.CatalogEntry(i + 1, f"YY-2026-{i + 1:03d}", 1, matching.ItemText(n, p, k))
            for i, (n, p, k) in enumerate(REGISTRY)]


def test_the_labelled_set_recall_precision_and_the_right_match() -> None:
    found = true_positives = 0
    for name, purpose, kind, repeats in LABELLED:
        result = check_entries({"app_name": name, "app_purpose": purpose, "app_kind": kind},
                               entries())
        likely = [m for m in result["matches"] if m["likely"]]
        assert result["threshold"] == THRESHOLD and result["compared"] == len(REGISTRY)
        if likely:
            found += 1
        if repeats is not None:
            assert likely, name
            assert result["matches"][0]["name"] == repeats, name  # the best match is it
            true_positives += 1
    duplicates = sum(1 for *_, r in LABELLED if r is not None)
    assert true_positives == duplicates  # recall 6/6
    assert true_positives / found >= 0.85  # precision 6/7: 河长制巡河 meets 防汛值守 (both patrols)


def test_kind_is_shown_beside_the_score_never_added() -> None:
    proposal = {"app_name": "防汛值班打卡群",
                "app_purpose": "汛期村级防汛值班人员每日打卡，上报雨情水情、巡查照片。"}
    as_app = check_entries({**proposal, "app_kind": "app"}, entries())["matches"][0]
    as_group = check_entries({**proposal, "app_kind": "wechat_group"}, entries())["matches"][0]
    assert as_app["score"] == as_group["score"]
    assert as_app["same_kind"] and not as_group["same_kind"]
