import type { Sentiment } from '@huiying/contracts';
import { createTermScanner, type ScanResult, type TermEntry } from './term-matcher';

/**
 * Lexicon sentiment: count negative and positive words, negated forms listed as their own
 * terms (不满意 is negative, matched before 满意 because longer terms win).
 */
export const DEFAULT_SENTIMENT_LEXICON = {
  negative: [
    '死亡', '遇难', '受伤', '伤亡', '事故', '灾害', '愤怒', '谴责', '腐败', '贪污', '强拆', '黑心', '恶劣', '悲剧', '惨', '哀悼', '痛心',
    '投诉', '不满', '不满意', '欺诈', '诈骗', '污染', '拖欠', '讨薪', '失望', '无语', '可怕', '恐怖', '担心', '害怕', '被困', '损失',
    '抗议', '质疑', '乱收费', '暴力', '打人', '冤', '坑', '骂', '垃圾', '差评', '不作为', '违法', '违规', '问题', '崩溃', '心寒',
    '泪', '怒', '吐槽', '难受', '悲痛', '遗憾', '滑坡', '泥石流', '洪水', '地震', '火灾', '爆炸', '中毒', '谣言', '不实', '不公',
    // Complaints as residents write them: quality, cost, waiting, being passed around.
    '太差', '很差', '真差', '太难', '很难', '难办', '堵车', '折腾', '不敢', '意见很大', '买不起', '吃不起', '看不起病', '涨价', '离谱',
    '乱收费', '推诿', '扯皮', '石沉大海', '没人管', '不管', '无人问津', '迟迟', '拖了', '拖欠', '不到位', '不达标', '不透明', '形式主义',
    '摆拍', '停工', '跑路', '血本无归', '亏', '维权', '偷排', '排污', '臭', '雾霾', '扰民', '噪音', '拒载', '绕路', '体罚', '虐待',
    '开裂', '漏雨', '隐患', '提心吊胆', '心惊胆战', '心烦', '受冻', '坏了', '失踪', '死了', '急死', '怪味', '发黄', '咳嗽', '无门',
    '过分', '态度恶劣', '不耐烦', '太贵', '贵得', '没回音', '没有回音', '骗', '黑幕', '猫腻', '欺负', '敷衍',
  ],
  positive: [
    '感谢', '点赞', '好评', '满意', '温暖', '感动', '成功', '顺利', '喜讯', '祝贺', '给力', '欣慰', '幸福', '赞', '美丽', '开心',
    '高兴', '优秀', '好消息', '惠民', '便民', '提升', '改善', '获奖', '荣获', '丰收', '脱贫', '致富', '平安', '安全转移', '救出', '获救',
    '好样的', '暖心', '加油', '祝福', '精彩', '恭喜', '支持', '进步', '发展', '增长', '回暖', '漂亮',
    // Praise as residents write it: convenience, beauty, thanks to the people who helped.
    '很好', '真好', '太好了', '挺好', '不错', '太美', '真美', '很美', '好美', '方便', '便捷', '厉害', '推荐', '舒心', '舒服', '放心',
    '辛苦了', '正能量', '红火', '红红火火', '增收', '收入翻', '鼓起来', '灿烂', '清新', '干净', '骄傲', '自豪', '效率真高', '效率高',
    '人气爆棚', '爆满', '丰富', '轻了', '减轻', '新生命', '点个赞', '为政府点赞', '有味道', '有温度', '好政策', '圆满', '热情', '耐心',
  ],
};

export interface SentimentFindings {
  sentiment: Sentiment;
  negative: string[];
  positive: string[];
}

export type SentimentLists = { sentiment: ReadonlyArray<TermEntry<number>> };

export interface SentimentScorer {
  readonly lists: SentimentLists;
  fromMatches(matches: ScanResult<SentimentLists>): SentimentFindings;
  score(text: string): SentimentFindings;
}

export function createSentimentScorer(lexicon = DEFAULT_SENTIMENT_LEXICON): SentimentScorer {
  const lists: SentimentLists = {
    sentiment: [...lexicon.negative.map((t) => ({ pattern: t, value: -1 })), ...lexicon.positive.map((t) => ({ pattern: t, value: 1 }))],
  };
  const ownScanner = createTermScanner(lists);
  function fromMatches(matches: ScanResult<SentimentLists>): SentimentFindings {
    const negative: string[] = [];
    const positive: string[] = [];
    let sum = 0;
    for (const m of matches.sentiment) {
      sum += m.value;
      (m.value < 0 ? negative : positive).push(m.term);
    }
    const sentiment: Sentiment = sum <= -1 ? 'negative' : sum >= 1 ? 'positive' : 'neutral';
    return { sentiment, negative, positive };
  }
  return { lists, fromMatches, score: (text) => fromMatches(ownScanner.scan(text)) };
}
