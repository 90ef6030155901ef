import type { Sentiment } from '@huiying/contracts';
import { createTermMatcher, escapeRegex } from './term-matcher';

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
  ],
  positive: [
    '感谢', '点赞', '好评', '满意', '温暖', '感动', '成功', '顺利', '喜讯', '祝贺', '给力', '欣慰', '幸福', '赞', '美丽', '开心',
    '高兴', '优秀', '好消息', '惠民', '便民', '提升', '改善', '获奖', '荣获', '丰收', '脱贫', '致富', '平安', '安全转移', '救出', '获救',
    '好样的', '暖心', '加油', '祝福', '精彩', '恭喜', '支持', '进步', '发展', '增长', '回暖', '漂亮',
  ],
};

export interface SentimentFindings {
  sentiment: Sentiment;
  negative: string[];
  positive: string[];
}

export function createSentimentScorer(lexicon = DEFAULT_SENTIMENT_LEXICON): { score(text: string): SentimentFindings } {
  const matcher = createTermMatcher([
    ...lexicon.negative.map((t) => ({ pattern: escapeRegex(t), value: -1 })),
    ...lexicon.positive.map((t) => ({ pattern: escapeRegex(t), value: 1 })),
  ]);
  return {
    score(text) {
      const negative: string[] = [];
      const positive: string[] = [];
      let sum = 0;
      for (const m of matcher.matchAll(text)) {
        sum += m.value;
        (m.value < 0 ? negative : positive).push(m.term);
      }
      const sentiment: Sentiment = sum <= -1 ? 'negative' : sum >= 1 ? 'positive' : 'neutral';
      return { sentiment, negative, positive };
    },
  };
}
