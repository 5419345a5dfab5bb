/* The domain table: every collection and field linli knows (domain.h).
 * This file is the one place a collection or a field is defined. */
#include <string.h>

#include "domain.h"

/* F(name, kind, type, max, flags, ref, values, values_zh, opt, csv_zh,
 *   label_en, label_zh, help_en, help_zh) */
#define F(n, k, t, mx, fl, ref, v, vz, opt, cz, le, lz, he, hz)                                     \
  {n, DOM_##k, DOM_T_##t, mx, fl, ref, v, vz, opt, cz, {le, lz}, {he, hz}}
#define END {NULL, 0, 0, 0, 0, -1, NULL, NULL, NULL, NULL, {NULL, NULL}, {NULL, NULL}}
#define NONE (-1)
#define P DOM_F_PERSONAL
#define R DOM_F_REQ
#define S (DOM_F_PERSONAL | DOM_F_SEALED)

static const char *const categories[] = {"confirmed", "suspected", "fever", "close_contact", NULL};
static const char *const categories_zh[] = {"确诊", "疑似", "发热", "密接", NULL};
static const char *const directions[] = {"in", "out", NULL};
static const char *const directions_zh[] = {"进", "出", NULL};
static const char *const kinds[] = {"relief", "group", "proxy", NULL};
static const char *const kinds_zh[] = {"救助", "团购", "代购", NULL};
static const char *const order_states[] = {"ordered", "delivered", NULL};
static const char *const order_states_zh[] = {"已下单", "已送达", NULL};
static const char *const proxy_states[] = {"requested", "bought", "delivered", NULL};
static const char *const proxy_states_zh[] = {"已登记", "已购买", "已送达", NULL};
static const char *const declaration_states[] = {"declared", NULL};
static const char *const declaration_states_zh[] = {"已申报", NULL};
static const char *const approval_states[] = {"approved", "rejected", NULL};
static const char *const approval_states_zh[] = {"已批准", "已驳回", NULL};
static const char *const community_kinds[] = {"community", "village", NULL};
static const char *const community_kinds_zh[] = {"社区", "村", NULL};
static const char *const item_kinds[] = {"compound", "community", "village", NULL};
static const char *const item_kinds_zh[] = {"小区", "社区", "村", NULL};
static const char *const item_states[] = {"listed", "withdrawn", NULL};
static const char *const item_states_zh[] = {"列入", "撤销", NULL};
static const char *const cstates[] = {"certified", "withdrawn", "pending", "rejected",
                                      "eligible",  "not_eligible", NULL};
static const char *const cstates_zh[] = {"已认定", "已撤销", "待审批", "已驳回", "符合条件", "不符合条件", NULL};

static const struct dom_field compound_f[] = {
    F("name", LWW, TEXT, 0, R, NONE, NULL, NULL, NULL, "名称", "name", "名称",
      "the compound's name", "小区名称"),
    F("community", LWW, KEY, 0, DOM_F_HOME, NONE, NULL, NULL, NULL, "社区", "community", "社区",
      "community code", "所属社区代码"),
    F("address", LWW, TEXT, 0, 0, NONE, NULL, NULL, NULL, "地址", "address", "地址",
      "street address", "街道地址"),
    F("gates", SET, KEY, 0, 0, NONE, NULL, NULL, NULL, "卡口", "gates", "卡口",
      "its gates, e.g. SH-C01-gate", "小区卡口，如 SH-C01-gate"),
    END};

static const struct dom_field household_f[] = {
    F("compound", LWW, KEY, 0, R, DOM_COMPOUND, NULL, NULL, NULL, "小区", "compound", "小区",
      "the compound; the household code must start with it and '-'",
      "所属小区；户号须以小区编号和“-”开头"),
    F("unit", LWW, TEXT, 0, S, NONE, NULL, NULL, NULL, "门牌", "unit", "门牌",
      "building-unit-room, e.g. 3-2-501", "楼栋-单元-房号，如 3-2-501"),
    F("head", LWW, KEY, 0, S, NONE, NULL, NULL, NULL, "户主", "head", "户主",
      "the resident key of the head of household", "户主的居民编号"),
    F("phone", LWW, PHONE, 0, S, NONE, NULL, NULL, NULL, "电话", "phone", "电话",
      "contact number", "联系电话"),
    F("hardship", LWW, BOOL, 0, 0, NONE, NULL, NULL, NULL, "困难户", "hardship", "困难户",
      "a hardship household (gets free relief)", "困难家庭（领取免费救助）"),
    F("grid", LWW, KEY, 0, 0, DOM_GRID, NULL, NULL, NULL, "网格", "grid", "网格",
      "the grid that serves it", "负责的网格"),
    F("members", SET, KEY, 0, DOM_F_DERIVED, DOM_RESIDENT, NULL, NULL, NULL, "成员", "members",
      "成员", "its residents; kept by linli resident add", "家庭成员，由 linli resident add 维护"),
    END};

static const struct dom_field resident_f[] = {
    F("household", LWW, KEY, 0, R | P, DOM_HOUSEHOLD, NULL, NULL, NULL, "户号", "household", "户号",
      "the household; the resident joins its members (one household per resident)",
      "所属住户；居民加入该户成员（每人只属一户）"),
    F("name", LWW, TEXT, 0, R | S, NONE, NULL, NULL, NULL, "姓名", "name", "姓名", "full name",
      "姓名"),
    F("id_number", LWW, IDNO, 0, S, NONE, NULL, NULL, NULL, "身份证号", "ID number", "身份证号",
      "resident ID number", "居民身份证号码"),
    F("phone", LWW, PHONE, 0, S, NONE, NULL, NULL, NULL, "电话", "phone", "电话", "contact number",
      "联系电话"),
    F("birth_year", LWW, YEAR, 0, 0, NONE, NULL, NULL, NULL, "出生年份", "born", "出生年",
      "year of birth", "出生年份"),
    F("special_needs", LWW, TEXT, DOM_NOTE_MAX, S, NONE, NULL, NULL, NULL, "特殊需求",
      "special needs", "特殊需求", "care the resident needs", "需要的照护"),
    F("tags", SET, TEXT, 0, 0, NONE, NULL, NULL, NULL, "标签", "tags", "标签",
      "labels, e.g. elderly", "标签，如 elderly（老人）"),
    END};

static const struct dom_field grid_f[] = {
    F("name", LWW, TEXT, 0, R, NONE, NULL, NULL, NULL, "名称", "name", "名称", "the grid's name",
      "网格名称"),
    F("compound", LWW, KEY, 0, 0, DOM_COMPOUND, NULL, NULL, NULL, "小区", "compound", "小区",
      "the compound it covers", "覆盖的小区"),
    F("workers", SET, KEY, 0, 0, NONE, NULL, NULL, NULL, "网格员", "workers", "网格员",
      "keys of its grid workers and volunteers", "网格员和志愿者的编号"),
    END};

static const struct dom_field volunteer_f[] = {
    F("name", LWW, TEXT, 0, R | S, NONE, NULL, NULL, NULL, "姓名", "name", "姓名", "full name",
      "姓名"),
    F("phone", LWW, PHONE, 0, S, NONE, NULL, NULL, NULL, "电话", "phone", "电话", "contact number",
      "联系电话"),
    F("grid", LWW, KEY, 0, 0, DOM_GRID, NULL, NULL, NULL, "网格", "grid", "网格",
      "the grid the volunteer works in", "所在网格"),
    F("skills", SET, TEXT, 0, 0, NONE, NULL, NULL, NULL, "技能", "skills", "技能",
      "e.g. driver, medic", "如 driver（司机）、medic（医护）"),
    END};

static const struct dom_field item_f[] = {
    F("name", LWW, TEXT, 0, R, NONE, NULL, NULL, NULL, "名称", "name", "名称",
      "what it is, e.g. 爱心鱼", "物资名称，如爱心鱼"),
    F("unit", LWW, TEXT, 16, R, NONE, NULL, NULL, NULL, "单位", "unit", "单位",
      "the unit it is counted in, e.g. 条, 份, 斤, kg, 盒", "计量单位，如条、份、斤、kg、盒"),
    F("price_fen", LWW, QTY, 0, 0, NONE, NULL, NULL, NULL, "单价（分）", "price", "单价",
      "the price of one unit in fen (1000 = 10 yuan), for group orders", "团购单价，以分计（1000 即 10 元）"),
    F("free", LWW, BOOL, 0, 0, NONE, NULL, NULL, NULL, "免费", "free", "免费",
      "handed out free (relief), not sold", "免费发放（救助），不出售"),
    END};

static const struct dom_field receipt_f[] = {
    F("date", EVENT, DATE, 0, DOM_F_TODAY, NONE, NULL, NULL, NULL, "日期", "date", "日期",
      "the day it was received", "入库日期"),
    F("items", EVENT, TEXT, 0, R, NONE, NULL, NULL, NULL, "物资", "items", "物资",
      "item:quantity lines received, e.g. fish:2063", "入库物资及数量，如 fish:2063"),
    F("source", EVENT, TEXT, 0, R, NONE, NULL, NULL, NULL, "来源", "source", "来源",
      "where it came from, e.g. a donor or the district", "物资来源，如捐赠单位或区里调拨"),
    END};

static const struct dom_field gate_check_f[] = {
    F("date", EVENT, DATE, 0, DOM_F_TODAY, NONE, NULL, NULL, "--date", "日期", "date", "日期",
      "the day of the check", "登记日期"),
    F("time", EVENT, TIME, 0, DOM_F_NOW, NONE, NULL, NULL, NULL, "时间", "time", "时间",
      "the time of the check", "登记时间"),
    F("direction", EVENT, ENUM, 0, R, NONE, directions, directions_zh, "--direction", "进出",
      "direction", "进出", "in or out", "进或出"),
    F("person", EVENT, KEY, 0, 0, DOM_RESIDENT, NULL, NULL, "--person", "居民", "resident", "居民",
      "the resident passing (or visitor=)", "通过的居民（或填访客）"),
    F("visitor", EVENT, TEXT, 100, S, NONE, NULL, NULL, "--visitor", "访客", "visitor", "访客",
      "the visitor's name (not a resident)", "访客姓名（非本社区居民）"),
    F("purpose", EVENT, TEXT, 0, R, NONE, NULL, NULL, "--purpose", "事由", "purpose", "事由",
      "why (asked at the gate)", "出入事由"),
    F("temp_dc", EVENT, TEMP, 0, R, NONE, NULL, NULL, "--temp", "体温", "temp", "体温",
      "temperature measured, °C", "测量体温（°C）"),
    END};

static const struct dom_field health_check_f[] = {
    F("date", EVENT, DATE, 0, DOM_F_TODAY, NONE, NULL, NULL, "--date", "日期", "date", "日期",
      "the day of the check", "检查日期"),
    F("temp_dc", EVENT, TEMP, 0, R, NONE, NULL, NULL, "--temp", "体温", "temp", "体温",
      "temperature measured, °C", "测量体温（°C）"),
    F("cough", EVENT, BOOL, 0, 0, NONE, NULL, NULL, "--cough", "咳嗽", "cough", "咳嗽",
      "a cough", "是否咳嗽"),
    F("checked_by", EVENT, TEXT, 100, S, NONE, NULL, NULL, NULL, "检查人", "checked by", "检查人",
      "who checked", "检查人"),
    END};

static const struct dom_field case_f[] = {
    F("resident", LWW, KEY, 0, R | DOM_F_ADD, DOM_RESIDENT, NULL, NULL, "--resident", "居民",
      "resident", "居民", "the resident", "病例对应的居民"),
    F("category", LWW, ENUM, 0, R | DOM_F_ADD, NONE, categories, categories_zh, "--category", "类别",
      "category", "类别", "confirmed, suspected, fever or close_contact",
      "确诊、疑似、发热或密接"),
    F("start_date", LWW, DATE, 0, R | DOM_F_ADD, NONE, NULL, NULL, "--start", "开始日期", "from",
      "开始", "the day it started", "开始日期"),
    F("release_date", LWW, DATE, 0, DOM_F_SETONLY, NONE, NULL, NULL, "--date", "解除日期",
      "released", "解除", "the day it was released (not before the start)",
      "解除日期（不早于开始日期）"),
    F("compound", LWW, KEY, 0, R | DOM_F_ADD, DOM_COMPOUND, NULL, NULL, "--compound", "小区",
      "compound", "小区", "the compound where the resident lives", "居民所在小区"),
    F("note", LWW, TEXT, DOM_NOTE_MAX, S, NONE, NULL, NULL, NULL, "备注", "note", "备注",
      "anything else", "其他说明"),
    END};

static const struct dom_field disinfection_f[] = {
    F("date", EVENT, DATE, 0, DOM_F_TODAY, NONE, NULL, NULL, NULL, "日期", "date", "日期",
      "the day of the round", "消杀日期"),
    F("area", EVENT, TEXT, 0, R, NONE, NULL, NULL, NULL, "区域", "area", "区域",
      "what was disinfected, e.g. gates, stairwells, lifts", "消杀区域，如卡口、楼道、电梯"),
    F("team", EVENT, TEXT, 100, S, NONE, NULL, NULL, NULL, "执行人", "team", "执行人",
      "who did it (a team or a person)", "执行人（队伍或个人）"),
    F("note", EVENT, TEXT, DOM_NOTE_MAX, S, NONE, NULL, NULL, NULL, "备注", "note", "备注",
      "anything else", "其他说明"),
    END};

static const struct dom_field distribution_f[] = {
    F("date", EVENT, DATE, 0, DOM_F_TODAY, NONE, NULL, NULL, NULL, "日期", "date", "日期",
      "the day it was handed out", "发放日期"),
    F("kind", EVENT, ENUM, 0, R, NONE, kinds, kinds_zh, NULL, "类型", "kind", "类型",
      "relief (free), group (group purchase) or proxy (bought for the household)",
      "救助（免费）、团购或代购"),
    F("items", EVENT, TEXT, 0, R, NONE, NULL, NULL, NULL, "物资", "items", "物资",
      "item:quantity lines of listed items, e.g. fish:2,veg_pack:1 (proxy: what was bought)",
      "已登记物资及数量，如 fish:2,veg_pack:1（代购：所购物品）"),
    F("source", EVENT, KEY, 0, 0, NONE, NULL, NULL, NULL, "来源", "source", "来源",
      "the group order or proxy request it came from", "对应的团购单或代购单"),
    F("stock", EVENT, KEY, 0, 0, NONE, NULL, NULL, NULL, "库存", "stock", "库存",
      "the stock it was drawn from (default: the community's only stock)",
      "出库的库存（默认为社区唯一的库存）"),
    END};

static const struct dom_field order_f[] = {
    F("household", LWW, KEY, 0, R | P, DOM_HOUSEHOLD, NULL, NULL, NULL, "户号", "household", "户号",
      "the household that orders", "下单的住户"),
    F("items", LWW, TEXT, 0, R, NONE, NULL, NULL, NULL, "物资", "items", "物资",
      "item:quantity lines of listed items, e.g. veg_pack:1,pork:2", "订购的物资及数量，如 veg_pack:1,pork:2"),
    F("status", LWW, ENUM, 0, DOM_F_STATE, NONE, order_states, order_states_zh, NULL, "状态",
      "status", "状态", "the status", "状态"),
    F("date", LWW, DATE, 0, DOM_F_TODAY, NONE, NULL, NULL, NULL, "日期", "date", "日期",
      "the day of the order", "下单日期"),
    F("stock", LWW, KEY, 0, 0, NONE, NULL, NULL, NULL, "库存", "stock", "库存",
      "the stock delivery draws from (default: the community's only stock)",
      "送达时出库的库存（默认为社区唯一的库存）"),
    END};

static const struct dom_field proxy_f[] = {
    F("household", LWW, KEY, 0, R | P, DOM_HOUSEHOLD, NULL, NULL, NULL, "户号", "household", "户号",
      "the household it is for", "代购对应的住户"),
    F("resident", LWW, KEY, 0, 0, DOM_RESIDENT, NULL, NULL, NULL, "居民", "resident", "居民",
      "the resident it is for", "代购对应的居民"),
    F("items", LWW, TEXT, 0, R | S, NONE, NULL, NULL, NULL, "物品", "items", "物品",
      "what to buy, e.g. the medicine", "代购物品，如药品"),
    F("status", LWW, ENUM, 0, DOM_F_STATE, NONE, proxy_states, proxy_states_zh, NULL, "状态",
      "status", "状态", "the status", "状态"),
    F("requested", LWW, DATE, 0, DOM_F_TODAY, NONE, NULL, NULL, NULL, "登记日期", "requested",
      "登记", "the day it was asked for", "登记日期"),
    F("bought", LWW, DATE, 0, 0, NONE, NULL, NULL, NULL, "购买日期", "bought", "购买",
      "the day it was bought (default: the day status=bought is set)",
      "购买日期（默认为设为已购买的当天）"),
    F("delivered", LWW, DATE, 0, 0, NONE, NULL, NULL, NULL, "送达日期", "delivered", "送达",
      "the day it was delivered (default: the day status=delivered is set)",
      "送达日期（默认为设为已送达的当天）"),
    END};

static const struct dom_field voided_f[] = {
    F("collection", EVENT, KEY, 0, R, NONE, NULL, NULL, NULL, "集合", "collection", "集合",
      "the collection of the record voided", "被作废记录的集合"),
    F("key", EVENT, KEY, 0, R, NONE, NULL, NULL, NULL, "编号", "key", "编号",
      "the key of the record voided", "被作废记录的编号"),
    F("reason", EVENT, TEXT, 0, R | S, NONE, NULL, NULL, "--reason", "原因", "reason", "原因",
      "why it was voided", "作废原因"),
    F("date", EVENT, DATE, 0, DOM_F_TODAY, NONE, NULL, NULL, NULL, "日期", "date", "日期",
      "the day it was voided", "作废日期"),
    END};

#define MEASURE(n, zh, he, hz)                                                                     \
  F(n, LWW, BOOL, 0, 0, NONE, NULL, NULL, NULL, zh, n, zh, he, hz)
static const struct dom_field measures_f[] = {
    MEASURE("publicity", "宣传到位", "publicity in place", "宣传到位"),
    MEASURE("closed", "封闭到位", "closed management in place", "封闭管理到位"),
    MEASURE("screening", "排查到位", "screening in place", "排查到位"),
    MEASURE("disinfection", "消杀到位", "disinfection in place", "消杀到位"),
    MEASURE("supply", "保障到位", "supply in place", "物资保障到位"),
    MEASURE("mobilisation", "动员到位", "mobilisation in place", "群众动员到位"),
    END};

static const struct dom_field declaration_f[] = {
    F("compound", LWW, KEY, 0, R, DOM_COMPOUND, NULL, NULL, NULL, "小区", "compound", "小区",
      "the compound declared", "申报的小区"),
    F("date", LWW, DATE, 0, R, NONE, NULL, NULL, NULL, "日期", "date", "日期",
      "the day it is declared epidemic-free on", "申报无疫情的日期"),
    F("status", LWW, ENUM, 0, R, NONE, declaration_states, declaration_states_zh, NULL, "状态",
      "status", "状态", "declared", "已申报"),
    F("reason", LWW, TEXT, 320, 0, NONE, NULL, NULL, NULL, "理由", "reason", "理由",
      "the rule's sentence when it was declared", "申报时规则的结论"),
    F("forced", LWW, TEXT, 300, 0, NONE, NULL, NULL, NULL, "强制申报理由", "forced", "强制",
      "declared with --force over measures without evidence: the community's reason",
      "措施缺少记录佐证而强制申报时社区说明的理由"),
    END};

static const struct dom_field approval_f[] = {
    F("community", LWW, KEY, 0, R, NONE, NULL, NULL, NULL, "社区", "community", "社区",
      "the community that declared", "申报的社区"),
    F("compound", LWW, KEY, 0, R, NONE, NULL, NULL, NULL, "小区", "compound", "小区",
      "the compound", "小区"),
    F("declaration", LWW, DATE, 0, 0, NONE, NULL, NULL, NULL, "申报日期", "declared", "申报",
      "the date of the declaration decided on", "所审批申报的日期"),
    F("date", LWW, DATE, 0, R, NONE, NULL, NULL, NULL, "日期", "date", "日期",
      "the day of the decision", "审批日期"),
    F("status", LWW, ENUM, 0, R, NONE, approval_states, approval_states_zh, NULL, "状态", "status",
      "状态", "approved or rejected", "批准或驳回"),
    F("reason", LWW, TEXT, 320, 0, NONE, NULL, NULL, NULL, "理由", "reason", "理由",
      "why (the rule's sentence, or the hub's)", "理由（规则的结论或区里的说明）"),
    END};

static const struct dom_field community_f[] = {
    F("name", LWW, TEXT, 0, R, NONE, NULL, NULL, NULL, "名称", "name", "名称",
      "the community's name, e.g. 石化社区", "社区名称，如 石化社区"),
    F("kind", LWW, ENUM, 0, 0, NONE, community_kinds, community_kinds_zh, NULL, "类型", "kind",
      "类型", "community or village (村); unset: community", "社区或村；未填为社区"),
    END};

static const struct dom_field round_f[] = {
    F("number", LWW, QTY, 0, R, NONE, NULL, NULL, NULL, "轮次", "round", "轮次",
      "the round's number: 1, 2, ...", "第几轮"),
    F("date", LWW, DATE, 0, R, NONE, NULL, NULL, NULL, "日期", "date", "日期",
      "the date the list is for", "名单截至日期"),
    F("compounds", LWW, TEXT, 40, R, NONE, NULL, NULL, NULL, "无疫情小区", "compounds", "小区",
      "compounds certified / all, e.g. 12/19", "已认定小区数/小区总数，如 12/19"),
    F("communities", LWW, TEXT, 40, R, NONE, NULL, NULL, NULL, "无疫情社区", "communities",
      "社区", "communities epidemic-free / all (villages included)",
      "无疫情社区数/社区总数（含村）"),
    F("villages", LWW, TEXT, 40, R, NONE, NULL, NULL, NULL, "无疫情村", "villages", "村",
      "villages epidemic-free / all", "无疫情村数/村总数"),
    F("withdrawn", LWW, TEXT, 40, 0, NONE, NULL, NULL, NULL, "撤销", "withdrawn", "撤销",
      "compounds and communities of the round before no longer listed",
      "上一轮列入、本轮撤销的小区和社区数"),
    END};

static const struct dom_field round_item_f[] = {
    F("round", LWW, KEY, 0, R, NONE, NULL, NULL, NULL, "轮次", "round", "轮次",
      "the round's key, e.g. 0008", "所属轮次编号，如 0008"),
    F("kind", LWW, ENUM, 0, R, NONE, item_kinds, item_kinds_zh, NULL, "类型", "kind", "类型",
      "compound, community or village", "小区、社区或村"),
    F("community", LWW, KEY, 0, R, NONE, NULL, NULL, NULL, "社区", "community", "社区",
      "the community code", "社区代码"),
    F("compound", LWW, KEY, 0, 0, NONE, NULL, NULL, NULL, "小区", "compound", "小区",
      "the compound code (kind compound)", "小区编号（类型为小区时）"),
    F("name", LWW, TEXT, 0, 0, NONE, NULL, NULL, NULL, "名称", "name", "名称",
      "its name as published", "公示的名称"),
    F("status", LWW, ENUM, 0, R, NONE, item_states, item_states_zh, NULL, "状态", "status", "状态",
      "listed, or withdrawn (listed in the round before, not in this one)",
      "列入，或撤销（上一轮列入、本轮不再列入）"),
    F("since", LWW, DATE, 0, 0, NONE, NULL, NULL, NULL, "首次列入", "since", "首次列入",
      "the date of the first round of its current listing", "本次连续列入的首轮日期"),
    F("reason", LWW, TEXT, 320, 0, NONE, NULL, NULL, NULL, "原因", "reason", "原因",
      "why it was withdrawn (the rule's sentence)", "撤销原因（规则的结论）"),
    END};

static const struct dom_field summary_compound_f[] = {
    F("community", LWW, KEY, 0, R, NONE, NULL, NULL, NULL, "社区", "community", "社区",
      "the community code", "社区代码"),
    F("compound", LWW, KEY, 0, R, NONE, NULL, NULL, NULL, "小区", "compound", "小区",
      "the compound code", "小区编号"),
    F("name", LWW, TEXT, 0, 0, NONE, NULL, NULL, NULL, "名称", "name", "名称",
      "the compound's name", "小区名称"),
    F("state", LWW, ENUM, 0, R, NONE, cstates, cstates_zh, NULL, "状态", "state", "状态",
      "its state in the hub's view (docs/domain.md \"States\")", "区中心所见的状态"),
    F("date", LWW, DATE, 0, R, NONE, NULL, NULL, NULL, "日期", "date", "日期",
      "the day of the summary that last changed it", "最近一次改变它的汇总日期"),
    F("reason", LWW, TEXT, 320, 0, NONE, NULL, NULL, NULL, "原因", "reason", "原因",
      "why it is not certified (the rule's or the hub's sentence)", "未认定的原因（规则或区中心的说明）"),
    END};

static const struct dom_field summary_f[] = {
    F("community", LWW, KEY, 0, R, NONE, NULL, NULL, NULL, "社区", "community", "社区",
      "the community code", "社区代码"),
    F("date", LWW, DATE, 0, R, NONE, NULL, NULL, NULL, "日期", "date", "日期",
      "the date the figures are for", "数据所属日期"),
    F("name", LWW, TEXT, 0, 0, NONE, NULL, NULL, NULL, "名称", "name", "名称",
      "the community's name", "社区名称"),
    F("as_of", LWW, TEXT, 40, R, NONE, NULL, NULL, NULL, "截至", "as of", "截至",
      "when the hub computed them: YYYY-MM-DD HH:MM:SS in the district's zone",
      "区中心计算的时间：区时区的 YYYY-MM-DD HH:MM:SS"),
    F("figures", LWW, TEXT, DOM_SUMMARY_FIGURES_MAX, R, NONE, NULL, NULL, NULL, "数据", "figures",
      "数据", "key=number pairs: the compound states, households, residents, open cases, 1- and "
      "7-day fevers and hand-outs, and the ops they were computed from (docs/domain.md)",
      "键=数 对：小区状态、户数、人数、未解除病例、近 1 日和 7 日发热与发放数、所依据的操作数"),
    END};

/* The names and scopes come from DOMAIN_COLLECTIONS (domain.h). */
#define DOM__NAME(id, name, scope)                                                                 \
  static const char domain__name_##id[] = name;                                                    \
  enum { domain__scope_##id = DOM_SCOPE_##scope };
DOMAIN_COLLECTIONS(DOM__NAME)
#undef DOM__NAME

#define C(id, shape, ne, nz, kc, kcz, kre, krz, eg, kref, kpriv, fields, ae, az, lin, lf)          \
  [DOM_##id] = {domain__name_##id, DOM_##shape, domain__scope_##id, {ne, nz}, kc, kcz, {kre, krz}, \
                eg, kref, kpriv, fields, {ae, az}, lin, lf}

const struct dom_collection domain_collections[DOM_N_COLLECTIONS] = {
    C(COMPOUND, REGISTER, "compound", "小区", "code", "小区编号",
      "the compound code, e.g. SH-C01", "小区编号，如 SH-C01", "SH-C01", NONE, 0, compound_f,
      "A residential compound (xiaoqu) of the community.", "社区内的居民小区。", DOM_COMPOUND, NULL),
    C(HOUSEHOLD, REGISTER, "household", "住户", "code", "户号",
      "the compound code, '-' and building-unit-room, e.g. SH-C01-3-2-501",
      "小区编号、“-”和楼栋-单元-房号，如 SH-C01-3-2-501", "SH-C01-3-2-501", NONE, 1, household_f,
      "A household; its code is the compound code, '-' and building-unit-room.",
      "一户住户；户号为小区编号、“-”和楼栋-单元-房号。", DOM_HOUSEHOLD, NULL),
    C(RESIDENT, REGISTER, "resident", "居民", "key", "居民编号",
      "a resident key, e.g. r-SH-00123", "居民编号，如 r-SH-00123", "r-SH-00123", NONE, 0,
      resident_f, "A resident, member of exactly one registered household.",
      "一位居民，属于且只属于一户已登记的住户。", DOM_HOUSEHOLD, "household"),
    C(GRID, REGISTER, "grid", "网格", "key", "网格编号", "a grid key, e.g. SH-G1",
      "网格编号，如 SH-G1", "SH-G1", NONE, 0, grid_f,
      "A grid of the community; its households name it (linli household set ... grid=).",
      "社区的一个网格；住户登记所属网格（linli household set ... grid=）。", DOM_GRID, NULL),
    C(VOLUNTEER, REGISTER, "volunteer", "志愿者", "key", "志愿者编号",
      "a volunteer key, e.g. SH-V01", "志愿者编号，如 SH-V01", "SH-V01", NONE, 0, volunteer_f,
      "A volunteer of the community.", "社区志愿者。", DOM_GRID, "grid"),
    C(ITEM, REGISTER, "supply item", "物资品种", "item", "物资编号",
      "an item key of a-z 0-9 _, e.g. fish", "物资编号（a-z 0-9 _），如 fish", "fish", NONE, 0,
      item_f,
      "An item of the community's supply list: the only items stock, hand-outs and orders name.",
      "社区物资清单中的一种物资；库存、发放和团购只能使用清单中的物资。", NONE, NULL),
    C(GATE_CHECK, LOG, "gate check", "卡口登记", "gate", "卡口",
      "the gate, e.g. SH-C01-gate", "卡口编号，如 SH-C01-gate", "SH-C01-gate", NONE, 0,
      gate_check_f,
      "A gate check: ask, measure the temperature, check, register (一问二测三查四登记).",
      "卡口登记：一问二测三查四登记。", NONE, NULL),
    C(HEALTH_CHECK, LOG, "health check", "健康检查", "resident", "居民编号",
      "the resident key, e.g. r-SH-00123", "居民编号，如 r-SH-00123", "r-SH-00123", DOM_RESIDENT,
      0, health_check_f, "A daily health check of a resident (temperatures in tenths of a degree).",
      "居民的每日健康检查（体温以 0.1 度为单位存储）。", DOM_RESIDENT, NULL),
    C(CASE, REGISTER, "case", "病例", "case", "病例编号",
      "a case key, e.g. case-SH-07", "病例编号，如 case-SH-07", "case-SH-07", NONE, 0, case_f,
      "A case: a resident who is confirmed, suspected, has a fever or is a close contact, from a "
      "start date until released.",
      "病例：确诊、疑似、发热或密切接触的居民，自开始日期起至解除之日。", DOM_RESIDENT, "resident"),
    C(DISINFECTION, LOG, "disinfection round", "消杀记录", "compound", "小区编号",
      "the compound code, e.g. SH-C01", "小区编号，如 SH-C01", "SH-C01", DOM_COMPOUND, 0,
      disinfection_f, "A disinfection round in a registered compound.",
      "在已登记小区进行的一次消杀。", DOM_COMPOUND, NULL),
    C(STOCK, COUNTERS, "stock", "库存", "stock", "库存编号", "a stock key, e.g. SH-stock",
      "库存编号，如 SH-stock", "SH-stock", NONE, 0, NULL,
      "Supply stock counters, one per listed item (linli supply item), whole numbers; receipts "
      "add, hand-outs draw down; concurrent hand-outs on several nodes add up (below zero: an "
      "overdraft to resolve).",
      "物资库存计数，每种已登记物资一个（linli supply item），整数；入库增加、发放扣减；多个节点上的"
      "并发发放会累加（低于零即为透支，须处理）。", NONE, NULL),
    C(RECEIPT, LOG, "stock receipt", "入库记录", "stock", "库存编号",
      "the stock key, e.g. SH-stock", "库存编号，如 SH-stock", "SH-stock", NONE, 0, receipt_f,
      "Supplies received into a stock (linli supply stock in): items, quantities, source, date.",
      "物资入库记录（linli supply stock in）：物资、数量、来源和日期。", NONE, NULL),
    C(DISTRIBUTION, LOG, "hand-out", "发放记录", "household", "户号",
      "the household code, e.g. SH-C01-3-2-501", "户号，如 SH-C01-3-2-501", "SH-C01-3-2-501",
      DOM_HOUSEHOLD, 1, distribution_f,
      "Supplies handed to a household: free relief, a delivered group order or proxy purchase.",
      "发放给住户的物资：免费救助、已送达的团购或代购。", DOM_HOUSEHOLD, NULL),
    C(ORDER, REGISTER, "group order", "团购单", "order", "团购单号",
      "an order key, e.g. SH-go-0001", "团购单号，如 SH-go-0001", "SH-go-0001", NONE, 0, order_f,
      "A household's group-purchase order. When it reaches delivered, a distribution of kind "
      "group is logged for the household.",
      "住户的团购订单；送达时为该户记一条团购发放记录。", DOM_HOUSEHOLD, "household"),
    C(PROXY, REGISTER, "proxy request", "代购单", "request", "代购单号",
      "a request key, e.g. SH-px-0001", "代购单号，如 SH-px-0001", "SH-px-0001", NONE, 0, proxy_f,
      "A proxy purchase (medicine for special cases). When it reaches delivered, a distribution "
      "of kind proxy is logged for the household.",
      "代购（特殊情况的药品）；送达时为该户记一条代购发放记录。", DOM_HOUSEHOLD, "household"),
    C(MEASURES, REGISTER, "six-measures checklist", "六个到位", "compound", "小区编号",
      "the compound code, e.g. SH-C01", "小区编号，如 SH-C01", "SH-C01", DOM_COMPOUND, 0,
      measures_f,
      "The six measures of a registered compound (publicity, closed management, screening, "
      "disinfection, supply, mobilisation); all six in place is one condition of epidemic-free.",
      "已登记小区的六个到位（宣传、封闭管理、排查、消杀、保障、动员）；全部到位是无疫情的条件之一。", DOM_COMPOUND, NULL),
    C(DECLARATION, REGISTER, "declaration", "无疫情申报", "declaration", "申报编号",
      "the compound code, e.g. SH-C01", "小区编号，如 SH-C01", "SH-C01", DOM_COMPOUND, 0,
      declaration_f, "A community's declaration that a compound is epidemic-free (linli declare).",
      "社区申报某小区为无疫情小区（linli declare）。", DOM_COMPOUND, NULL),
    C(APPROVAL, REGISTER, "approval", "审批", "key", "编号",
      "COMMUNITY/COMPOUND, e.g. shihua/SH-C01", "社区/小区，如 shihua/SH-C01", "shihua/SH-C01",
      NONE, 0, approval_f,
      "The hub's decision on a declaration, in the district scope (linli approve, linli reject).",
      "区里对申报的审批结果，记在区的范围内（linli approve、linli reject）。", NONE, NULL),
    C(VOIDED, LOG, "void", "作废记录", "void", "作废编号",
      "COLLECTION/KEY of the record voided, e.g. resident/r-SH-00123",
      "被作废记录的 集合/编号，如 resident/r-SH-00123", "resident/r-SH-00123", NONE, 0, voided_f,
      "Why a record was voided (linli COMMAND void KEY --reason TEXT): the void itself is a "
      "tombstone of the record.",
      "记录作废的原因（linli COMMAND void KEY --reason TEXT）；作废本身是该记录的删除标记。",
      NONE, NULL),
    C(COMMUNITY, REGISTER, "community", "社区", "code", "社区代码",
      "the community code (its scope), e.g. shihua", "社区代码（即其范围），如 shihua", "shihua",
      NONE, 0, community_f,
      "The community itself: its name and kind (a village, 村, is a community of kind village), "
      "as the district's reports and published lists name it.",
      "社区本身：名称和类型（村是类型为 village 的社区），区里的报表和公示名单用它。", NONE, NULL),
    C(ROUND, REGISTER, "published round", "公示轮次", "round", "轮次编号",
      "the round's number, four digits, e.g. 0008", "轮次编号（四位），如 0008", "0008", NONE, 0,
      round_f,
      "A numbered round of the published list of epidemic-free compounds, communities and "
      "villages (linli publish), in the district scope.",
      "无疫情小区、社区、村名单的一轮公示（linli publish），记在区的范围内。", NONE, NULL),
    C(ROUND_ITEM, REGISTER, "round entry", "公示条目", "entry", "条目编号",
      "ROUND/COMMUNITY[/COMPOUND], e.g. 0008/shihua/SH-C01",
      "轮次/社区[/小区]，如 0008/shihua/SH-C01", "0008/shihua/SH-C01", NONE, 0, round_item_f,
      "One compound, community or village of a published round: listed, or withdrawn since the "
      "round before.",
      "一轮公示中的一个小区、社区或村：列入，或自上一轮起撤销。", NONE, NULL),
    C(SUMMARY, REGISTER, "daily summary", "每日汇总", "entry", "汇总编号",
      "COMMUNITY/DATE, e.g. shihua/2026-12-03", "社区/日期，如 shihua/2026-12-03",
      "shihua/2026-12-03", NONE, 0, summary_f,
      "A community's figures on a date, as its district hub computed them (linli summarize), in "
      "the district scope, for the city: no personal data.",
      "区中心计算的某社区某日数据（linli summarize），记在区的范围内，供市里汇总；不含个人信息。",
      NONE, NULL),
    C(SUMMARY_COMPOUND, REGISTER, "compound summary", "小区汇总", "entry", "汇总编号",
      "COMMUNITY/COMPOUND, e.g. shihua/SH-C01", "社区/小区，如 shihua/SH-C01", "shihua/SH-C01",
      NONE, 0, summary_compound_f,
      "A compound's state and name as its district hub last summarized them, in the district "
      "scope, so that the city's published rounds can name the compounds they list.",
      "区中心最近一次汇总的某小区状态和名称，记在区的范围内，供市里的公示名单列出小区名称。",
      NONE, NULL),
};

/* The evidence each of the six measures needs (evidence.c), in
 * rules_measures order: {measure, kind, days N, share P %, the rule}. */
const struct dom_measure_rule dom_measure_rules[RULES_MEASURES] = {
    {"publicity", RULES_EV_WORD, 0, 0,
     {"staff's word (shown with the day it was set)", "以工作人员确认为准（显示设置日期）"}},
    {"closed", RULES_EV_GATES, 1, 100,
     {"every registered gate of the compound has a gate check logged on the day",
      "小区每个已登记卡口当天都有出入登记"}},
    {"screening", RULES_EV_SCREENING, 7, 80,
     {"at least 80 % of the compound's households have a health check in the last 7 days",
      "近 7 天内至少 80% 的住户有健康检查记录"}},
    {"disinfection", RULES_EV_DISINFECTION, 3, 100,
     {"a disinfection round logged for the compound on each of the last 3 days",
      "近 3 天每天都有该小区的消杀记录"}},
    {"supply", RULES_EV_SUPPLY, 7, 100,
     {"every hardship household of the compound got a hand-out in the last 7 days",
      "小区每户困难户近 7 天内都领到物资"}},
    {"mobilisation", RULES_EV_WORD, 0, 0,
     {"staff's word (shown with the day it was set)", "以工作人员确认为准（显示设置日期）"}},
};

/* CMD(cmd, sub, coll, verbs, KEY, kind, about_en, about_zh) */
#define CMD(c, s, id, v, k, kind, ae, az) {c, s, DOM_##id, v, k, kind, {ae, az}}

const struct dom_command domain_commands[] = {
    CMD("compound", NULL, COMPOUND, DOM_V_REGISTER, "COMPOUND", NULL, "The residential compounds",
        "居民小区"),
    CMD("household", NULL, HOUSEHOLD, DOM_V_REGISTER, "HOUSEHOLD", NULL, "The households", "住户"),
    CMD("resident", NULL, RESIDENT, DOM_V_REGISTER | DOM_V_MOVE, "RESIDENT", NULL, "The residents",
        "居民"),
    CMD("grid", NULL, GRID, DOM_V_REGISTER, "GRID", NULL, "The grids", "网格"),
    CMD("volunteer", NULL, VOLUNTEER, DOM_V_REGISTER, "VOLUNTEER", NULL, "The volunteers",
        "志愿者"),
    CMD("supply", "item", ITEM, DOM_V_REGISTER, "ITEM", NULL, "The supply item list", "物资清单"),
    CMD("supply", "stock", STOCK, DOM_V_IN | DOM_V_OUT | DOM_V_SHOW | DOM_V_LIST, "STOCK", NULL,
        "Stock counters", "库存"),
    CMD("supply", "relief", DISTRIBUTION, DOM_V_ADD | DOM_V_SHOW | DOM_V_LIST, "HOUSEHOLD", "relief",
        "Free relief handed to a household (hardship households first). Logged as a distribution "
        "of kind relief; linli report counts them.",
        "发放给住户的免费救助（困难户优先），记为救助类发放记录，计入 linli report。"),
    CMD("supply", "order", ORDER, DOM_V_REGISTER, "ORDER", "group", "Group orders", "团购"),
    CMD("supply", "proxy", PROXY, DOM_V_REGISTER, "REQUEST", "proxy", "Proxy purchases", "代购"),
    CMD("disinfect", NULL, DISINFECTION, DOM_V_ADD | DOM_V_SHOW | DOM_V_LIST, "COMPOUND", NULL,
        "The disinfection rounds", "消杀记录"),
    CMD("measures", NULL, MEASURES, DOM_V_SET | DOM_V_SHOW | DOM_V_LIST, "COMPOUND", NULL,
        "The six-measures checklists", "六个到位"),
    CMD("community", NULL, COMMUNITY, DOM_V_ADD | DOM_V_SET | DOM_V_SHOW | DOM_V_LIST, "CODE", NULL,
        "The community's name and kind (community or village)", "社区名称和类型（社区或村）"),
};
const size_t domain_n_commands = sizeof domain_commands / sizeof domain_commands[0];

/* ---- lookups ---- */

const char *domain_name(enum dom_coll c)
{
  return c >= 0 && c < DOM_N_COLLECTIONS ? domain_collections[c].name : NULL;
}

const struct dom_collection *domain_find(const char *name, size_t len)
{
  for (int i = 0; i < DOM_N_COLLECTIONS; i++)
    if (strlen(domain_collections[i].name) == len &&
        memcmp(domain_collections[i].name, name, len) == 0)
      return &domain_collections[i];
  return NULL;
}

int domain_coll_id(const struct dom_collection *c)
{
  return (int)(c - domain_collections);
}

int domain_field_index(const struct dom_collection *c, const char *name, size_t len)
{
  for (int i = 0; c->fields && c->fields[i].name; i++)
    if (strlen(c->fields[i].name) == len && memcmp(c->fields[i].name, name, len) == 0)
      return i;
  return -1;
}

const struct dom_field *domain_field(const struct dom_collection *c, const char *name, size_t len)
{
  int i = domain_field_index(c, name, len);
  return i < 0 ? NULL : &c->fields[i];
}

const struct dom_field *domain_state_field(const struct dom_collection *c)
{
  for (int i = 0; c->fields && c->fields[i].name; i++)
    if (c->fields[i].flags & DOM_F_STATE)
      return &c->fields[i];
  return NULL;
}

const struct dom_command *domain_command(const char *cmd, const char *sub)
{
  for (size_t i = 0; i < domain_n_commands; i++) {
    const struct dom_command *c = &domain_commands[i];
    if (strcmp(c->cmd, cmd))
      continue;
    if (!c->sub || (sub && !strcmp(c->sub, sub)))
      return c;
  }
  return NULL;
}

int domain_command_grouped(const char *cmd)
{
  for (size_t i = 0; i < domain_n_commands; i++)
    if (!strcmp(domain_commands[i].cmd, cmd) && domain_commands[i].sub)
      return 1;
  return 0;
}

/* The district-scope collections of DOMAIN_COLLECTIONS, in its order. */
#define DOM__HUB_COMMUNITY(id)
#define DOM__HUB_DISTRICT(id) domain__name_##id,
#define DOM__HUB(id, name, scope) DOM__HUB_##scope(id)
const char *const *domain_hub_collections(void)
{
  static const char *const hub[] = {DOMAIN_COLLECTIONS(DOM__HUB) NULL};
  return hub;
}
