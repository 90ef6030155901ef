import type { EmergencyCategory } from '@huiying/contracts';

/**
 * The event words of each emergency subtype, with the weight a match adds to the rule score.
 * Patterns are regex sources: lookbehinds keep 业绩滑坡 and 信息爆炸 out of landslides and
 * explosions. Data, not code: another city can pass its own table.
 */
export interface SubtypeEntry {
  subtype: string;
  category: EmergencyCategory;
  patterns: string[];
  weight: number;
}

const ECON = '业绩|销量|利润|成绩|收入|增速|质量|道德|信誉|口碑|人气|股价|经济|指标|票房|收视|排名|价格|出口|进口|投资|市场|信心|诚信|能力|水平';

export const DEFAULT_SUBTYPES: SubtypeEntry[] = [
  { subtype: 'landslide', category: 'natural_disaster', weight: 1, patterns: ['山体滑坡', `(?<!${ECON})滑坡`, '山体垮塌', '山体崩塌', '崩塌', '塌方'] },
  { subtype: 'debris_flow', category: 'natural_disaster', weight: 1, patterns: ['泥石流'] },
  { subtype: 'flood', category: 'natural_disaster', weight: 0.9, patterns: ['洪水', '洪灾', '山洪', '洪涝', '内涝', '决堤', '溃坝', '溃堤', '水淹', '被淹', '淹没', '漫堤', '洪峰', '水位暴涨', '河水暴涨', '江水暴涨', '冲毁', '被冲走', '洪流'] },
  { subtype: 'earthquake', category: 'natural_disaster', weight: 1, patterns: [`(?<!楼市|股市|人事|官场|政坛|金融|市场|行业)地震`, '余震', '震感', '震中', '级地震'] },
  { subtype: 'extreme_weather', category: 'natural_disaster', weight: 0.6, patterns: ['冰雹', '雪灾', '暴雪', '旱灾', '龙卷风', '台风', '暴雨', '冻灾', '沙尘暴', '雷击', '强降雨', '特大暴雨'] },
  { subtype: 'forest_fire', category: 'natural_disaster', weight: 1, patterns: ['森林火灾', '山火', '林火', '草原火灾'] },
  { subtype: 'fire', category: 'accident_disaster', weight: 1, patterns: ['火灾', '起火', '失火', '着火', '大火', '火情', '燃起', '烧毁', '浓烟', '纵火', '火势', '自燃'] },
  { subtype: 'explosion', category: 'accident_disaster', weight: 1, patterns: [`(?<!信息|知识|数据|人气|流量|人口|票房|原子弹|氢弹)爆炸(?!性|式|头|款)`, '爆燃', '闪爆', '炸药'] },
  { subtype: 'road', category: 'accident_disaster', weight: 0.9, patterns: ['车祸', '交通事故', '相撞', '追尾', '翻车', '侧翻', '坠崖', '坠河', '坠江', '翻下', '撞车', '连环撞', '连撞', '撞死', '撞伤', '被撞(?!衫|见|破|脸)', '(?<!成功|完美|全面|完全|实力|性能|销量|配置)碾压', '肇事', '坠入山谷', '坠入悬崖', '坠入河', '坠入江', '坠沟', '滚入', '翻入', '冲出路面', '撞上山体'] },
  { subtype: 'mine', category: 'accident_disaster', weight: 1, patterns: ['矿难', '透水', '瓦斯', '冒顶', '煤矿事故', '尾矿库'] },
  { subtype: 'collapse', category: 'accident_disaster', weight: 0.9, patterns: ['坍塌', '垮塌', '倒塌', '塌陷', '断桥'] },
  { subtype: 'air_rail_water', category: 'accident_disaster', weight: 1, patterns: ['坠机', '坠毁', '空难', '飞机失事', '客机失事', '沉船', '翻船', '沉没', '脱轨', '出轨事故', '列车相撞'] },
  { subtype: 'hazmat', category: 'accident_disaster', weight: 0.8, patterns: ['泄漏', '泄露事故', '有毒气体', '危化品', '燃气'] },
  { subtype: 'drowning', category: 'accident_disaster', weight: 0.7, patterns: ['溺水', '溺亡', '落水'] },
  { subtype: 'work_accident', category: 'accident_disaster', weight: 0.7, patterns: ['安全事故', '生产事故', '安全生产事故', '事故'] },
  { subtype: 'food_poisoning', category: 'public_health', weight: 1, patterns: ['食物中毒', '集体中毒', '中毒'] },
  { subtype: 'epidemic', category: 'public_health', weight: 0.9, patterns: ['疫情', '传染病', '确诊', '病例', '疑似病例', '霍乱', '鼠疫', '禽流感', '手足口', '流感', '非洲猪瘟', '聚集性', '感染者'] },
  { subtype: 'water_contamination', category: 'public_health', weight: 1, patterns: ['水污染', '饮用水污染', '自来水污染', '水源污染', '自来水被污染', '水源被污染', '饮用水被污染'] },
  { subtype: 'terrorism', category: 'social_security', weight: 1, patterns: ['恐怖袭击', '恐袭', '暴恐', '爆炸案', '袭击'] },
  { subtype: 'violent_crime', category: 'social_security', weight: 0.8, patterns: ['砍人', '持刀', '枪击', '行凶', '劫持', '杀人', '凶杀', '命案', '砍伤'] },
  { subtype: 'mass_incident', category: 'social_security', weight: 0.8, patterns: ['群体性事件', '聚集', '围堵', '堵路', '打砸', '冲突', '讨薪', '罢工', '游行', '上访', '围攻', '械斗', '踩踏'] },
];

/**
 * Words that state something happened, as opposed to might happen or is being discussed.
 * 死亡率 / 伤亡率 are statistics, not deaths (车祸死亡率降低90% is a product headline).
 */
export const FACT_CUES = [
  '发生', '突发', '造成', '导致', '致使', '事发', '已有', '截至', '目前', '现场', '被困', '救援', '抢救', '送医',
  '紧急', '伤亡(?!率)', '遇难', '死亡(?!率)', '受伤', '失踪', '救治', '疏散', '转移', '消防', '赶赴', '处置', '扑灭', '搜救',
  '当地时间', '记者从', '获悉', '据了解', '今天', '今日', '昨天', '昨日', '凌晨', '上午', '下午', '晚上', '时许', '左右',
  // What a witness states about damage done (白龙江水位暴涨，有车辆被冲走).
  '被冲走', '冲毁', '被埋', '受灾', '中断',
];

/** Context that means no emergency is happening now; each kind is reported in the evidence. */
export const SUPPRESSORS: Record<string, string[]> = {
  drill: ['演练', '演习', '模拟', '实战化训练', '应急培训'],
  anniversary: ['周年', '纪念日', '回顾', '祭奠', '缅怀', '悼念日', '年前的', '灾后重建'],
  prevention: ['预防', '防范', '小贴士', '注意事项', '科普', '安全教育', '宣传周', '防灾减灾日', '怎么办', '自救知识', '逃生技巧', '安全常识'],
  forecast: ['预报', '预警', '可能发生', '或将', '将有', '风险提示', '气象风险', '概率', '预测', '易发'],
  negation: ['未发生', '没有发生', '并非', '并未发生', '不是真的', '谣言', '辟谣', '不实', '假消息', '系谣传', '子虚乌有',
    // A record without incident (安全飞行5000小时，没出过事故).
    '没出过', '未出过', '零事故'],
  fiction: ['游戏', '电影', '电视剧', '小说', '动漫', '综艺', '主演', '票房', '剧情', '预告片', '手游', '网游', '玩家', '歌曲', '演唱会', 'MV', '漫画', '股票', '楼市', '基金', '涨停', '跌停', '大盘'],
};
