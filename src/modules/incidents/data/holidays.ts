/**
 * Published public-holiday arrangements of the State Council (国务院办公厅
 * 关于 YYYY 年部分节假日安排的通知). These are the shipped defaults; the
 * administrator keeps later years in the console.
 */

export interface HolidayArrangement {
  nameZh: string;
  nameEn: string;
  /** First and last local date off, inclusive ('YYYY-MM-DD'). */
  daysOff: readonly [first: string, last: string];
  /** Weekend dates worked in exchange (调休上班). */
  workingDays: readonly string[];
}

export interface PublishedHolidayYear {
  year: number;
  source: string;
  arrangements: readonly HolidayArrangement[];
}

/** 国务院办公厅关于2025年部分节假日安排的通知 (published 12 November 2024). */
export const CN_HOLIDAYS_2025: PublishedHolidayYear = {
  year: 2025,
  source: '国务院办公厅关于2025年部分节假日安排的通知',
  arrangements: [
    { nameZh: '元旦', nameEn: "New Year's Day", daysOff: ['2025-01-01', '2025-01-01'], workingDays: [] },
    { nameZh: '春节', nameEn: 'Spring Festival', daysOff: ['2025-01-28', '2025-02-04'], workingDays: ['2025-01-26', '2025-02-08'] },
    { nameZh: '清明节', nameEn: 'Qingming Festival', daysOff: ['2025-04-04', '2025-04-06'], workingDays: [] },
    { nameZh: '劳动节', nameEn: 'Labour Day', daysOff: ['2025-05-01', '2025-05-05'], workingDays: ['2025-04-27'] },
    { nameZh: '端午节', nameEn: 'Dragon Boat Festival', daysOff: ['2025-05-31', '2025-06-02'], workingDays: [] },
    {
      nameZh: '国庆节、中秋节',
      nameEn: 'National Day and Mid-Autumn Festival',
      daysOff: ['2025-10-01', '2025-10-08'],
      workingDays: ['2025-09-28', '2025-10-11'],
    },
  ],
};

/**
 * 国务院办公厅关于2026年部分节假日安排的通知, dated 4 November 2025, as
 * carried by Xinhua (e.g. https://politics.gmw.cn/2025-11/04/content_38391083.htm):
 * 元旦 1月1日–3日, 1月4日(周日)上班; 春节 2月15日–23日, 2月14日(周六)、
 * 2月28日(周六)上班; 清明节 4月4日–6日; 劳动节 5月1日–5日, 5月9日(周六)上班;
 * 端午节 6月19日–21日; 中秋节 9月25日–27日; 国庆节 10月1日–7日,
 * 9月20日(周日)、10月10日(周六)上班.
 */
export const CN_HOLIDAYS_2026: PublishedHolidayYear = {
  year: 2026,
  source: '国务院办公厅关于2026年部分节假日安排的通知 (2025-11-04)',
  arrangements: [
    { nameZh: '元旦', nameEn: "New Year's Day", daysOff: ['2026-01-01', '2026-01-03'], workingDays: ['2026-01-04'] },
    { nameZh: '春节', nameEn: 'Spring Festival', daysOff: ['2026-02-15', '2026-02-23'], workingDays: ['2026-02-14', '2026-02-28'] },
    { nameZh: '清明节', nameEn: 'Qingming Festival', daysOff: ['2026-04-04', '2026-04-06'], workingDays: [] },
    { nameZh: '劳动节', nameEn: 'Labour Day', daysOff: ['2026-05-01', '2026-05-05'], workingDays: ['2026-05-09'] },
    { nameZh: '端午节', nameEn: 'Dragon Boat Festival', daysOff: ['2026-06-19', '2026-06-21'], workingDays: [] },
    { nameZh: '中秋节', nameEn: 'Mid-Autumn Festival', daysOff: ['2026-09-25', '2026-09-27'], workingDays: [] },
    { nameZh: '国庆节', nameEn: 'National Day', daysOff: ['2026-10-01', '2026-10-07'], workingDays: ['2026-09-20', '2026-10-10'] },
  ],
};

export const CN_PUBLISHED_HOLIDAY_YEARS: readonly PublishedHolidayYear[] = [CN_HOLIDAYS_2025, CN_HOLIDAYS_2026];
