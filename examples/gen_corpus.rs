//! A deterministic corpus of Chinese news articles, for benchmarks that
//! compare kanbao with other readers on the same content.
//!
//!     cargo run --release --example gen_corpus -- --count N --out DIR [--seed S]
//!
//! writes `DIR/corpus.jsonl` (kanbao's article format, one article a line)
//! and `DIR/corpus.atom` (an Atom 1.0 feed with the same articles: the same
//! ids, titles, dates, authors, sections, URLs and paragraphs). The same
//! count and seed always give the same bytes, and the first N articles of a
//! bigger corpus are the N-article corpus.
//!
//! Each article has a title, 6–14 paragraphs of 2–6 sentences (a few KB,
//! about 5.7 KB of JSON on average), a source among 16 publishers, an
//! `+08:00` date (article 0 is the newest, every next one is older), one to
//! three authors, a section breadcrumb, a URL, and now and then Latin words
//! (`AI`, `5G`, `RISC-V`…), numbers, percentages and ISO dates in the text.
//!
//! In the Atom feed each entry's publisher is in `<source><title>`, which
//! kanbao and newsboat both ignore: they show the feed's title as the source
//! of every entry. Everything else reads the same from both files.
//!
//! The benches include this file (`#[path]`) and take their corpus from
//! [`cached`], so they measure the text that scripts/bench.sh measures.

use std::fmt::Write as _;
use std::io::{self, BufWriter, Write};
use std::path::PathBuf;

/// The seed used when none is given.
pub const DEFAULT_SEED: u64 = 20240630;

/// Changes whenever the text generated for a seed changes (names cached corpora).
pub const GENERATOR_VERSION: u32 = 1;

/// SplitMix64: tiny, fast, and good enough for made-up news.
#[derive(Clone, Debug)]
pub struct Rng(u64);

impl Rng {
    /// A generator for `seed`.
    pub fn new(seed: u64) -> Rng {
        Rng(seed ^ 0x5DEE_CE66_D1CE_4E5B)
    }

    /// The next 64 random bits.
    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// A number in `lo..=hi`.
    pub fn range(&mut self, lo: u64, hi: u64) -> u64 {
        lo + self.next_u64() % (hi - lo + 1)
    }

    /// True with probability `percent`/100.
    pub fn chance(&mut self, percent: u64) -> bool {
        self.next_u64() % 100 < percent
    }

    /// One element of `items`.
    pub fn pick<'a>(&mut self, items: &[&'a str]) -> &'a str {
        items[(self.next_u64() % items.len() as u64) as usize]
    }
}

const PLACES: &[(&str, &str, &[&str])] = &[
    ("浙江", "嘉兴", &["南湖区", "秀洲区", "海宁", "桐乡"]),
    ("浙江", "杭州", &["滨江区", "余杭区", "萧山区", "钱塘区"]),
    ("浙江", "宁波", &["北仑区", "鄞州区", "慈溪", "余姚"]),
    ("江苏", "苏州", &["工业园区", "昆山", "吴江区", "常熟"]),
    ("江苏", "南京", &["江宁区", "浦口区", "栖霞区", "建邺区"]),
    ("广东", "深圳", &["南山区", "宝安区", "龙岗区", "光明区"]),
    ("广东", "广州", &["黄埔区", "番禺区", "南沙区", "天河区"]),
    ("上海", "上海", &["浦东新区", "闵行区", "嘉定区", "松江区"]),
    ("北京", "北京", &["海淀区", "朝阳区", "亦庄", "顺义区"]),
    ("四川", "成都", &["高新区", "天府新区", "双流区", "郫都区"]),
    (
        "湖北",
        "武汉",
        &["东湖高新区", "江夏区", "蔡甸区", "汉阳区"],
    ),
    ("陕西", "西安", &["高新区", "经开区", "长安区", "西咸新区"]),
    ("山东", "青岛", &["黄岛区", "城阳区", "即墨区", "崂山区"]),
    ("福建", "厦门", &["湖里区", "集美区", "海沧区", "翔安区"]),
    ("安徽", "合肥", &["蜀山区", "包河区", "肥西县", "长丰县"]),
    ("湖南", "长沙", &["岳麓区", "雨花区", "望城区", "浏阳"]),
    ("河南", "郑州", &["航空港区", "金水区", "中牟县", "新郑"]),
    ("天津", "天津", &["滨海新区", "武清区", "西青区", "东丽区"]),
];

const SOURCES: &[&str] = &[
    "嘉兴日报",
    "浙江日报",
    "新华社",
    "人民日报",
    "经济日报",
    "南方都市报",
    "新京报",
    "澎湃新闻",
    "第一财经",
    "21世纪经济报道",
    "科技日报",
    "光明日报",
    "中国新闻网",
    "解放日报",
    "每日经济新闻",
    "大众日报",
];

const COLUMNS: &[&str] = &[
    "要闻", "经济", "科技", "民生", "产业", "财经", "城市", "观察",
];

const INDUSTRIES: &[&str] = &[
    "制造业",
    "光伏产业",
    "新能源汽车",
    "集成电路",
    "跨境电商",
    "生物医药",
    "数字经济",
    "现代农业",
    "文化旅游",
    "港口物流",
    "人工智能",
    "低空经济",
    "智能家居",
    "纺织服装",
    "绿色建筑",
    "氢能产业",
    "新型储能",
    "高端装备",
    "海洋经济",
    "预制菜产业",
];

const ORGS: &[&str] = &[
    "发展和改革委员会",
    "经济和信息化局",
    "统计局",
    "商务局",
    "科学技术局",
    "文化广电旅游局",
    "市场监督管理局",
    "人力资源和社会保障局",
    "农业农村局",
    "交通运输局",
    "生态环境局",
    "住房和城乡建设局",
    "数据资源管理局",
];

const COMPANY_ROOTS: &[&str] = &[
    "恒瑞智能",
    "华启新材",
    "嘉禾电子",
    "远航物流",
    "金石光电",
    "中科云图",
    "天工精密",
    "海纳生物",
    "星河汽车",
    "瑞丰纺织",
    "云帆",
    "博远医疗",
    "长风储能",
    "青禾农业",
    "东方智造",
    "凯越半导体",
    "万象数据",
    "启明航空",
];

const COMPANY_SUFFIXES: &[&str] = &["股份有限公司", "集团", "科技有限公司", "有限公司"];

const METRICS: &[(&str, &str)] = &[
    ("规模以上工业增加值", "亿元"),
    ("地区生产总值", "亿元"),
    ("进出口总额", "亿元"),
    ("固定资产投资", "亿元"),
    ("社会消费品零售总额", "亿元"),
    ("实际使用外资", "亿美元"),
    ("研发经费投入", "亿元"),
    ("高新技术企业数量", "家"),
    ("全社会用电量", "亿千瓦时"),
    ("快递业务量", "亿件"),
    ("城镇新增就业", "万人"),
    ("接待游客", "万人次"),
    ("新能源汽车产量", "万辆"),
    ("跨境电商交易额", "亿元"),
];

/// Latin words of technology, for `{latin}`.
const LATIN: &[&str] = &[
    "AI",
    "5G",
    "App",
    "SaaS",
    "IoT",
    "VR",
    "LED",
    "USB-C",
    "Wi-Fi 7",
    "ChatGPT",
    "OpenHarmony",
    "RISC-V",
    "Linux",
    "Python",
    "MES",
    "ERP",
    "AGV",
    "OLED",
    "SiC",
    "TOPCon",
    "LiDAR",
    "GPU",
    "DeepSeek",
    "eVTOL",
    "BIM",
];

/// Latin words of economics.
const ECON: &[&str] = &[
    "GDP", "CPI", "PPI", "PMI", "ESG", "IPO", "FDI", "B2B", "RCEP",
];

const PURPOSES: &[&str] = &[
    "进一步优化营商环境",
    "推动产业转型升级",
    "加快培育新质生产力",
    "助力企业降本增效",
    "稳住外贸基本盘",
    "激发市场主体活力",
    "促进消费扩容提质",
    "提升城市能级和核心竞争力",
    "打通政策落地“最后一公里”",
    "为高质量发展注入新动能",
];

const OPINIONS: &[&str] = &[
    "是立市之本、强市之基，必须坚定不移抓好",
    "正处在转型升级的关键窗口期，机遇与挑战并存",
    "要把握机遇，加快数字化转型步伐",
    "政策红利正在持续释放，企业获得感明显增强",
    "只有练好内功，才能在激烈的市场竞争中站稳脚跟",
    "下半年有望保持稳中向好的发展态势",
    "关键是要把创新链、产业链、资金链、人才链深度融合起来",
    "需要政府、企业和科研机构形成合力",
];

const QUOTES: &[&str] = &[
    "以前一条生产线需要{n}个工人，现在只要{m}个人就够了",
    "订单已经排到了{mo}月份，工人们正在加班加点赶工",
    "我们今年的研发投入占营业收入的比重超过{p}%",
    "有了{latin}系统，每件产品都能追溯到具体的工序",
    "政策来得很及时，帮我们解决了资金周转的大难题",
    "客户最看重的还是质量，价格反而排在后面",
    "我们正在筹备海外工厂，明年有望在东南亚投产",
    "年轻人愿意回来了，村里也越来越热闹",
];

const SCENES: &[&str] = &[
    "机械臂上下翻飞，一件件产品有序下线",
    "工人们正在调试新上线的{latin}智能检测设备",
    "大屏幕上实时滚动着各条产线的运行数据",
    "一辆辆满载货物的卡车正驶出厂区",
    "技术人员紧盯屏幕，反复核对每一组测试参数",
    "崭新的厂房里，{n}台{latin}设备正在满负荷运转",
];

const OBSERVATIONS: &[&str] = &[
    "越来越多的中小企业开始尝试“上云用数赋智”",
    "不少企业把目光投向了中东、拉美等新兴市场",
    "今年以来，{industry}相关岗位的招聘需求明显上升",
    "与往年相比，今年的展会上{latin}相关展品明显增多",
    "部分原材料价格仍在高位运行，企业利润空间受到挤压",
    "周末前来打卡的外地游客比平日多了近{p}%",
];

const CHALLENGES: &[&str] = &[
    "核心零部件依赖进口",
    "高端人才短缺",
    "同质化竞争加剧",
    "融资渠道较窄",
    "国际贸易环境复杂多变",
    "产能阶段性过剩",
];

const PLANS: &[&str] = &[
    "持续加大招商引资力度",
    "聚焦主导产业强链补链延链",
    "完善人才引育政策体系",
    "推进一批重大项目早开工、早投产",
    "深化“最多跑一次”改革",
    "加快建设{latin}应用场景",
    "支持龙头企业牵头组建创新联合体",
];

const GOALS: &[&str] = &[
    "力争全年目标任务圆满完成",
    "打造具有国际竞争力的先进制造业集群",
    "让发展成果更多更公平惠及全体人民",
    "争当高质量发展的排头兵",
];

const FACILITIES: &[&str] = &[
    "5G基站",
    "充电桩",
    "未来社区",
    "共富工坊",
    "智能工厂",
    "数字化车间",
    "口袋公园",
    "城市书房",
];

const COUNTRIES: &[&str] = &[
    "美国",
    "德国",
    "日本",
    "巴西",
    "沙特阿拉伯",
    "越南",
    "墨西哥",
    "澳大利亚",
    "南非",
    "哈萨克斯坦",
];

const GOV_ROLES: &[&str] = &["局长", "副局长", "负责人", "处长", "主任", "新闻发言人"];

const COMPANY_ROLES: &[&str] = &[
    "董事长",
    "总经理",
    "车间主任",
    "首席执行官（CEO）",
    "首席技术官",
    "研发中心主任",
    "销售总监",
];

const ACADEMIC_ROLES: &[&str] = &["教授", "研究员", "副院长", "博士生导师"];

const SURNAMES: &[&str] = &[
    "王", "李", "张", "刘", "陈", "杨", "黄", "赵", "吴", "周", "徐", "孙", "马", "朱", "胡", "郭",
    "何", "高", "林", "罗", "郑", "梁", "谢", "宋", "唐", "许", "韩", "冯", "邓", "曹", "彭", "曾",
    "沈", "姚", "陆", "钱", "顾", "叶", "蒋", "俞", "欧阳", "司马",
];

const GIVEN: &[&str] = &[
    "伟", "芳", "娜", "敏", "静", "丽", "强", "磊", "军", "洋", "勇", "艳", "杰", "娟", "涛", "明",
    "超", "霞", "平", "刚", "英", "华", "建", "文", "辉", "玲", "丹", "鹏", "宇", "浩", "凯", "晨",
    "欣", "怡", "佳", "轩", "雨", "博", "哲", "韬", "业", "琳", "晓", "东", "雪", "峰", "斌", "波",
    "宁", "颖", "婷", "嘉", "俊", "泽", "睿", "鑫",
];

/// What one article is about: the sentences draw on it so they hang together.
struct Topic {
    province: &'static str,
    city: &'static str,
    district: &'static str,
    industry: &'static str,
    company: String,
    org: String,
    source: &'static str,
    year: i64,
    month: i64,
}

fn name(rng: &mut Rng) -> String {
    let mut s = rng.pick(SURNAMES).to_owned();
    s.push_str(rng.pick(GIVEN));
    if rng.chance(70) {
        s.push_str(rng.pick(GIVEN));
    }
    s
}

fn company(rng: &mut Rng) -> String {
    format!("{}{}", rng.pick(COMPANY_ROOTS), rng.pick(COMPANY_SUFFIXES))
}

/// A number written as news writes it: `12.6`, `3,480`, `86`.
fn amount(rng: &mut Rng) -> String {
    match rng.range(0, 2) {
        0 => format!("{}.{}", rng.range(1, 999), rng.range(1, 9)),
        1 => {
            let n = rng.range(1000, 99_999);
            format!("{},{:03}", n / 1000, n % 1000)
        }
        _ => rng.range(10, 999).to_string(),
    }
}

fn percent(rng: &mut Rng) -> String {
    format!("{}.{}", rng.range(1, 38), rng.range(0, 9))
}

/// One of `phrases`, with `{n}` `{m}` `{mo}` `{p}` `{latin}` `{industry}` filled in.
fn fill(rng: &mut Rng, phrases: &[&str], topic: &Topic) -> String {
    let mut out = rng.pick(phrases).to_owned();
    for (slot, value) in [
        ("{n}", rng.range(12, 80).to_string()),
        ("{m}", rng.range(2, 9).to_string()),
        ("{mo}", rng.range(1, 12).to_string()),
        ("{p}", percent(rng)),
        ("{latin}", rng.pick(LATIN).to_owned()),
        ("{industry}", topic.industry.to_owned()),
    ] {
        if out.contains(slot) {
            out = out.replace(slot, &value);
        }
    }
    out
}

fn person(rng: &mut Rng, topic: &Topic) -> String {
    let who = name(rng);
    match rng.range(0, 3) {
        0 => format!("{}{}{}{}", topic.city, topic.org, rng.pick(GOV_ROLES), who),
        1 => format!("{}{}{}", topic.company, rng.pick(COMPANY_ROLES), who),
        2 => format!("{}大学{}{}", topic.province, rng.pick(ACADEMIC_ROLES), who),
        _ => format!(
            "{}{}{}",
            rng.pick(&["行业协会", "研究院", "商会"]),
            rng.pick(GOV_ROLES),
            who
        ),
    }
}

fn sentence(rng: &mut Rng, t: &Topic) -> String {
    let city = t.city;
    let mut s = String::new();
    match rng.range(0, 24) {
        0 => {
            let day = rng.range(1, 28);
            let _ = write!(
                s,
                "{}月{}日，{}市{}{}《关于推动{}高质量发展的若干措施》，{}。",
                t.month,
                day,
                city,
                t.org,
                rng.pick(&["出台", "印发", "发布", "公布"]),
                t.industry,
                rng.pick(PURPOSES)
            );
        }
        1 => {
            let (metric, unit) = METRICS[rng.range(0, METRICS.len() as u64 - 1) as usize];
            let _ = write!(
                s,
                "今年前{}个月，{}{}达到{}{}，同比增长{}%，增速{}。",
                rng.range(2, 11),
                city,
                metric,
                amount(rng),
                unit,
                percent(rng),
                rng.pick(&[
                    "居全省第一",
                    "高于全国平均水平",
                    "比一季度加快1.2个百分点",
                    "保持稳定"
                ])
            );
        }
        2 => {
            let _ = write!(
                s,
                "据{}记者了解，{}近期{}，预计年产值可达{}亿元。",
                t.source,
                t.company,
                rng.pick(&[
                    "新上了两条自动化产线",
                    "完成了新一轮融资",
                    "与多所高校共建了联合实验室",
                    "拿下了一笔海外大单",
                ]),
                rng.range(3, 120)
            );
        }
        3 => {
            let q = fill(rng, QUOTES, t);
            let _ = write!(s, "“{}，”{}说。", q, person(rng, t));
        }
        4 => {
            let _ = write!(
                s,
                "{}表示，{}{}。",
                person(rng, t),
                t.industry,
                rng.pick(OPINIONS)
            );
        }
        5 => {
            let _ = write!(
                s,
                "截至{}月底，全市已累计建成{}{}个，覆盖人口{}万人。",
                rng.range(1, 12),
                rng.pick(FACILITIES),
                amount(rng),
                rng.range(5, 900)
            );
        }
        6 => {
            let scene = fill(rng, SCENES, t);
            let _ = write!(s, "在{}的生产车间里，{}。", t.company, scene);
        }
        7 => {
            let o = fill(rng, OBSERVATIONS, t);
            let _ = write!(s, "记者注意到，{o}。");
        }
        8 => {
            let other = company(rng);
            let _ = write!(
                s,
                "{}与{}签署战略合作协议，双方将在{}、{}等领域开展合作，项目总投资{}亿元。",
                t.company,
                other,
                rng.pick(LATIN),
                rng.pick(&["智能制造", "供应链金融", "新材料", "绿色低碳", "数据治理"]),
                amount(rng)
            );
        }
        9 => {
            let (metric, unit) = METRICS[rng.range(0, METRICS.len() as u64 - 1) as usize];
            let _ = write!(
                s,
                "数据显示，{}年{}{}为{}{}，较上年增加{}{}。",
                t.year - 1,
                city,
                metric,
                amount(rng),
                unit,
                amount(rng),
                unit
            );
        }
        10 => {
            let _ = write!(
                s,
                "该项目于{}-{:02}-{:02}开工，计划{}年底前建成投产，建成后可新增就业岗位{}个。",
                t.year - 1,
                rng.range(1, 12),
                rng.range(1, 28),
                t.year + rng.range(0, 2) as i64,
                rng.range(200, 5000)
            );
        }
        11 => {
            let _ = write!(
                s,
                "业内人士分析认为，随着{}技术的普及，{}正迎来新一轮发展机遇，但也面临{}、{}等挑战。",
                rng.pick(LATIN),
                t.industry,
                rng.pick(CHALLENGES),
                rng.pick(CHALLENGES)
            );
        }
        12 => {
            let plan = fill(rng, PLANS, t);
            let plan2 = fill(rng, PLANS, t);
            let _ = write!(
                s,
                "下一步，{}将{}，{}，{}。",
                city,
                plan,
                plan2,
                rng.pick(GOALS)
            );
        }
        13 => {
            let _ = write!(
                s,
                "据介绍，该产品采用{}方案，型号为{}{}-{}，已通过{}认证，并出口至{}、{}等{}个国家和地区。",
                rng.pick(LATIN),
                rng.pick(&["HK", "JX", "ZT", "Nova", "Pro"]),
                rng.range(1, 9),
                rng.range(100, 9999),
                rng.pick(&["CE", "UL", "ISO 9001", "TÜV"]),
                rng.pick(COUNTRIES),
                rng.pick(COUNTRIES),
                rng.range(8, 60)
            );
        }
        14 => {
            let _ = write!(
                s,
                "一项面向{}家企业的调查显示，{}%的受访企业表示，{}。",
                rng.range(100, 3000),
                rng.range(40, 95),
                rng.pick(&[
                    "今年的订单情况好于去年",
                    "计划在未来一年扩大投资",
                    "用工成本仍是最大的压力",
                    "已经或正在推进数字化改造",
                ])
            );
        }
        15 => {
            let _ = write!(
                s,
                "近年来，{}坚持{}，{}，{}规模不断壮大，去年产值突破{}亿元。",
                city,
                rng.pick(&["创新驱动", "项目为王", "招大引强", "生态优先、绿色发展"]),
                rng.pick(&[
                    "一手抓传统产业改造提升",
                    "持续优化产业空间布局",
                    "不断完善产业配套",
                ]),
                t.industry,
                rng.range(50, 3000)
            );
        }
        16 => {
            let _ = write!(
                s,
                "{}月{}日上午，记者来到位于{}{}的{}，{}。",
                t.month,
                rng.range(1, 28),
                city,
                t.district,
                t.company,
                rng.pick(&[
                    "厂区内一派繁忙景象",
                    "新建的研发大楼已经投入使用",
                    "展厅里陈列着数十款新产品",
                ])
            );
        }
        17 => {
            let _ = write!(
                s,
                "会上，{}就{}工作作了部署，要求各地各部门{}。",
                person(rng, t),
                rng.pick(&["安全生产", "稳增长", "招商引资", "营商环境优化", "民生实事"]),
                rng.pick(&[
                    "压实责任、细化举措",
                    "对标先进、奋起直追",
                    "抓早抓实、久久为功",
                ])
            );
        }
        18 => {
            let _ = write!(
                s,
                "从宏观数据看，{}月份{}为{}.{}%，{}；{}同比{}{}.{}%，{}，市场预期总体平稳。",
                (t.month + 10) % 12 + 1,
                rng.pick(&["制造业PMI", "非制造业商务活动指数"]),
                rng.range(48, 53),
                rng.range(0, 9),
                rng.pick(&[
                    "连续3个月位于扩张区间",
                    "较上月回落0.3个百分点",
                    "重回荣枯线以上"
                ]),
                rng.pick(&["CPI", "PPI"]),
                rng.pick(&["上涨", "下降"]),
                rng.range(0, 3),
                rng.range(1, 9),
                rng.pick(&["涨幅与上月持平", "降幅继续收窄", "符合市场预期"])
            );
        }
        19 => {
            let _ = write!(
                s,
                "在{}框架下，{}与{}的经贸往来日益密切，{}年{}对{}出口{}亿元，其中{}产品占比超过{}%，带动上下游{}多家配套企业“抱团出海”。",
                rng.pick(ECON),
                city,
                rng.pick(COUNTRIES),
                t.year - 1,
                city,
                rng.pick(COUNTRIES),
                amount(rng),
                t.industry,
                rng.range(10, 60),
                rng.range(20, 300)
            );
        }
        20 => {
            let _ = write!(
                s,
                "{}介绍，为破解{}难题，{}联合{}家单位搭建了{}公共服务平台，累计为{}家企业提供检验检测、人才培训、融资对接等服务{}余次，帮助企业节省成本{}万元。",
                person(rng, t),
                rng.pick(CHALLENGES),
                t.org,
                rng.range(3, 30),
                rng.pick(LATIN),
                rng.range(100, 2000),
                rng.range(1000, 20_000),
                amount(rng)
            );
        }
        21 => {
            let _ = write!(
                s,
                "走进{}{}，{}；{}，{}。",
                t.district,
                rng.pick(&["科创园", "产业园", "小微企业园", "数字港"]),
                rng.pick(&[
                    "一栋栋标准厂房拔地而起，道路两旁的绿化带郁郁葱葱",
                    "园区入口的电子屏上滚动播放着最新的招聘信息",
                    "各类展示中心和共享实验室错落有致",
                ]),
                rng.pick(&[
                    "入驻企业从最初的十几家发展到如今的两百多家",
                    "这里已经成为年轻创业者的“梦工厂”",
                    "园区去年实现税收收入超过十亿元",
                ]),
                rng.pick(&[
                    "产业集聚效应日益显现",
                    "创新创业氛围日渐浓厚",
                    "成为区域经济发展的新引擎",
                ])
            );
        }
        22 => {
            let _ = write!(
                s,
                "“{}，”{}坦言，“{}，{}。”",
                rng.pick(&[
                    "这几年最大的感受，就是办事越来越方便了",
                    "刚开始转型的时候，心里其实没底",
                    "市场变化太快，慢一步就可能被淘汰",
                ]),
                person(rng, t),
                rng.pick(&[
                    "从递交材料到拿到证照，前后只用了3个工作日",
                    "好在有专班帮我们对接银行和高校",
                    "现在我们每年拿出营收的8%投入研发",
                ]),
                rng.pick(&[
                    "接下来我们还要再上一条智能产线",
                    "明年的目标是销售额再翻一番",
                    "我们有信心把这个产品做到全球前三",
                ])
            );
        }
        _ => {
            s.push_str(rng.pick(&[
                "目前，相关工作正在有序推进中。",
                "这一数字创下历史同期新高。",
                "对此，不少市民表示点赞。",
                "活动现场气氛热烈。",
                "该负责人同时提醒，企业要注意防范汇率波动风险。",
            ]));
        }
    }
    s
}

fn title(rng: &mut Rng, t: &Topic) -> String {
    let city = t.city;
    match rng.range(0, 9) {
        0 => format!("{}{}向高质量迈进", city, t.industry),
        1 => format!(
            "{}出台{}条措施支持{}发展",
            city,
            rng.range(8, 40),
            t.industry
        ),
        2 => {
            let (metric, _) = METRICS[rng.range(0, METRICS.len() as u64 - 1) as usize];
            format!(
                "前{}月{}{}同比增长{}%",
                rng.range(2, 11),
                city,
                metric,
                percent(rng)
            )
        }
        3 => format!("{}：以{}赋能{}转型", t.company, rng.pick(LATIN), t.industry),
        4 => format!(
            "{}{}个重大项目集中开工 总投资{}亿元",
            city,
            rng.range(10, 90),
            rng.range(50, 900)
        ),
        5 => format!("{}“出海”记：{}企业闯市场", t.industry, city),
        6 => format!(
            "探访{}{}：{}",
            city,
            t.district,
            rng.pick(SCENES)
                .replace("{latin}", "AI")
                .replace("{n}", "20")
        ),
        7 => format!("{}年{}{}大会开幕", t.year, city, t.industry),
        8 => format!("{}{}：{}", city, t.org, rng.pick(PURPOSES)),
        _ => format!("{}“{}”跑出加速度", city, t.industry),
    }
}

/// One generated article, in the shape both outputs need (serialized in
/// kanbao's article format, fields in this order).
#[derive(serde::Serialize)]
pub struct Generated {
    /// Stable id, e.g. `kb-2024-000001`.
    pub id: String,
    /// The headline.
    pub title: String,
    /// RFC 3339, `+08:00`.
    pub published: String,
    /// The publisher.
    pub source: String,
    /// One to three names.
    pub authors: Vec<String>,
    /// Province, city, column.
    pub section: Vec<String>,
    /// Where it would live on the web.
    pub url: String,
    /// Always `zh-CN`.
    pub lang: &'static str,
    /// The paragraphs.
    pub body: Vec<String>,
}

/// Minutes since 1970-01-01T00:00 local time of the newest article
/// (2024-06-30 18:00 +08:00).
const NEWEST_MINUTE: i64 = 28_662_840;

/// Civil date from days since 1970-01-01 (Howard Hinnant's algorithm).
fn civil(days: i64) -> (i64, i64, i64) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = yoe + era * 400 + i64::from(m <= 2);
    (y, m, d)
}

/// The articles of a corpus, one at a time (article 0 is the newest).
pub struct Corpus {
    rng: Rng,
    seed: u64,
    index: usize,
    count: usize,
    minute: i64,
}

impl Corpus {
    /// `count` articles from `seed`.
    pub fn new(count: usize, seed: u64) -> Corpus {
        Corpus {
            rng: Rng::new(seed),
            seed,
            index: 0,
            count,
            minute: NEWEST_MINUTE,
        }
    }
}

impl Iterator for Corpus {
    type Item = Generated;

    fn next(&mut self) -> Option<Generated> {
        if self.index >= self.count {
            return None;
        }
        let i = self.index;
        self.index += 1;
        let rng = &mut self.rng;
        if i > 0 {
            // 1–40 minutes older than the one before: 5,000 articles cover
            // about two months, 100,000 about four years.
            self.minute -= rng.range(1, 40) as i64;
        }
        let minute = self.minute;
        let (year, month, day) = civil(minute.div_euclid(1440));
        let (hh, mm) = (minute.rem_euclid(1440) / 60, minute % 60);
        let ss = rng.range(0, 59);
        let (province, city, districts) = PLACES[rng.range(0, PLACES.len() as u64 - 1) as usize];
        let source = rng.pick(SOURCES);
        let topic = Topic {
            province,
            city,
            district: rng.pick(districts),
            industry: rng.pick(INDUSTRIES),
            company: company(rng),
            org: rng.pick(ORGS).to_owned(),
            source,
            year,
            month,
        };
        let title = title(rng, &topic);
        let paragraphs = rng.range(6, 14);
        let mut body = Vec::with_capacity(paragraphs as usize);
        for _ in 0..paragraphs {
            let sentences = rng.range(2, 6);
            let mut p = String::new();
            for _ in 0..sentences {
                p.push_str(&sentence(rng, &topic));
            }
            body.push(p);
        }
        let authors = (0..rng.range(1, 3)).map(|_| name(rng)).collect();
        let column = rng.pick(COLUMNS);
        let section = if province == city {
            vec![city.to_owned(), column.to_owned()]
        } else {
            vec![province.to_owned(), city.to_owned(), column.to_owned()]
        };
        let id = format!("kb-{:x}-{i:06}", self.seed);
        Some(Generated {
            url: format!("https://news.example.cn/{year}{month:02}{day:02}/{id}.html"),
            id,
            title,
            published: format!("{year:04}-{month:02}-{day:02}T{hh:02}:{mm:02}:{ss:02}+08:00"),
            source: source.to_owned(),
            authors,
            section,
            lang: "zh-CN",
            body,
        })
    }
}

/// Writes `count` articles from `seed` as JSON Lines (kanbao's format).
pub fn write_jsonl(out: &mut impl Write, count: usize, seed: u64) -> io::Result<()> {
    for a in Corpus::new(count, seed) {
        serde_json::to_writer(&mut *out, &a)?;
        out.write_all(b"\n")?;
    }
    Ok(())
}

fn xml_escape(text: &str, out: &mut String) {
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            _ => out.push(c),
        }
    }
}

/// Writes the same articles as an Atom 1.0 feed: each paragraph a `<p>` of
/// the entry's HTML content.
pub fn write_atom(out: &mut impl Write, count: usize, seed: u64) -> io::Result<()> {
    let newest = Corpus::new(1, seed)
        .next()
        .map_or_else(|| "2024-06-30T18:00:00+08:00".to_owned(), |a| a.published);
    write!(
        out,
        "<?xml version=\"1.0\" encoding=\"utf-8\"?>\n\
         <feed xmlns=\"http://www.w3.org/2005/Atom\" xml:lang=\"zh-CN\">\n\
         <title>看报基准语料</title>\n\
         <subtitle>kanbao benchmark corpus, seed {seed}</subtitle>\n\
         <id>tag:news.example.cn,2024:kanbao-corpus-{seed:x}</id>\n\
         <link href=\"https://news.example.cn/\"/>\n\
         <updated>{newest}</updated>\n"
    )?;
    let mut entry = String::new();
    let mut html = String::new();
    for a in Corpus::new(count, seed) {
        entry.clear();
        entry.push_str("<entry>\n<id>");
        xml_escape(&a.id, &mut entry);
        entry.push_str("</id>\n<title>");
        xml_escape(&a.title, &mut entry);
        entry.push_str("</title>\n<link rel=\"alternate\" href=\"");
        xml_escape(&a.url, &mut entry);
        let _ = write!(
            entry,
            "\"/>\n<published>{0}</published>\n<updated>{0}</updated>\n",
            a.published
        );
        for author in &a.authors {
            entry.push_str("<author><name>");
            xml_escape(author, &mut entry);
            entry.push_str("</name></author>\n");
        }
        for term in &a.section {
            entry.push_str("<category term=\"");
            xml_escape(term, &mut entry);
            entry.push_str("\"/>\n");
        }
        entry.push_str("<source><title>");
        xml_escape(&a.source, &mut entry);
        entry.push_str("</title></source>\n<content type=\"html\">");
        html.clear();
        for p in &a.body {
            html.push_str("<p>");
            xml_escape(p, &mut html);
            html.push_str("</p>\n");
        }
        xml_escape(&html, &mut entry);
        entry.push_str("</content>\n</entry>\n");
        out.write_all(entry.as_bytes())?;
    }
    out.write_all(b"</feed>\n")
}

/// `corpus.jsonl` and `corpus.atom` of `count` articles (default seed) in the
/// temp directory, written on first use (for benches).
pub fn cached(count: usize) -> (PathBuf, PathBuf) {
    let dir = std::env::temp_dir().join(format!(
        "kanbao-bench-corpus-{count}-{DEFAULT_SEED}-{:x}",
        GENERATOR_VERSION
    ));
    let (jsonl, atom) = (dir.join("corpus.jsonl"), dir.join("corpus.atom"));
    if !jsonl.exists() || !atom.exists() {
        std::fs::create_dir_all(&dir).expect("temp dir");
        for (path, is_atom) in [(&jsonl, false), (&atom, true)] {
            // Written under another name first: an interrupted run leaves no half file.
            let tmp = path.with_extension(format!("tmp{}", std::process::id()));
            let mut out = BufWriter::new(std::fs::File::create(&tmp).expect("create corpus"));
            if is_atom {
                write_atom(&mut out, count, DEFAULT_SEED)
            } else {
                write_jsonl(&mut out, count, DEFAULT_SEED)
            }
            .and_then(|()| out.flush())
            .expect("write corpus");
            drop(out);
            std::fs::rename(&tmp, path).expect("rename corpus");
        }
    }
    (jsonl, atom)
}

fn usage() -> ! {
    eprintln!("usage: gen_corpus --count N --out DIR [--seed S]");
    std::process::exit(2)
}

#[allow(dead_code)] // benches include this file for its generator only
fn main() -> io::Result<()> {
    let mut count = None;
    let mut out = None;
    let mut seed = DEFAULT_SEED;
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        let mut value = || args.next().unwrap_or_else(|| usage());
        match arg.as_str() {
            "--count" => count = Some(value().parse().unwrap_or_else(|_| usage())),
            "--out" => out = Some(PathBuf::from(value())),
            "--seed" => seed = value().parse().unwrap_or_else(|_| usage()),
            _ => usage(),
        }
    }
    let (Some(count), Some(dir)) = (count, out) else {
        usage()
    };
    std::fs::create_dir_all(&dir)?;
    let jsonl = dir.join("corpus.jsonl");
    let atom = dir.join("corpus.atom");
    let mut w = BufWriter::with_capacity(1 << 20, std::fs::File::create(&jsonl)?);
    write_jsonl(&mut w, count, seed)?;
    w.flush()?;
    let mut w = BufWriter::with_capacity(1 << 20, std::fs::File::create(&atom)?);
    write_atom(&mut w, count, seed)?;
    w.flush()?;
    for path in [&jsonl, &atom] {
        let len = std::fs::metadata(path)?.len();
        eprintln!(
            "{}: {count} articles, {len} bytes ({} per article)",
            path.display(),
            len / count.max(1) as u64
        );
    }
    Ok(())
}
