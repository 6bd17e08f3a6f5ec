// Package jpholiday computes Japan's national holidays (国民の祝日) and the
// other days off the law makes (休日) from the law itself, the Act on
// National Holidays (国民の祝日に関する法律, 昭和23年法律第178号) as amended,
// and the special acts for single days. It is pure: no data file, no clock.
//
// Rules (for dates from 1949 to 2099):
//   - Fixed days: 元日 1/1, 建国記念の日 2/11 (from 1967), 天皇誕生日 (4/29
//     to 1988, 12/23 1989-2018, 2/23 from 2020; none in 2019), 4/29 (みどりの日
//     1989-2006, 昭和の日 from 2007), 憲法記念日 5/3, みどりの日 5/4 (from
//     2007), こどもの日 5/5, 海の日 7/20 (1996-2002), 山の日 8/11 (from
//     2016), 敬老の日 9/15 (1966-2002), 体育の日 10/10 (1966-1999), 文化の日
//     11/3, 勤労感謝の日 11/23, 成人の日 1/15 (to 1999).
//   - Happy Monday days (ハッピーマンデー制度): 成人の日 the second Monday of
//     January and 体育の日 the second Monday of October from 2000; 海の日 the
//     third Monday of July and 敬老の日 the third Monday of September from
//     2003; 体育の日 is スポーツの日 from 2020.
//   - Equinoxes: 春分の日 and 秋分の日 fall on the equinox days, which the
//     Cabinet announces a year ahead from the National Astronomical
//     Observatory's calculation; the standard approximation used here,
//     floor(20.8431 + 0.242194(Y-1980) - floor((Y-1980)/4)) for March and
//     23.2488 for September (20.8357 and 23.2588 with (Y-1983)/4
//     truncated toward zero before 1980), agrees with every announced day from 1949 to 2027 and holds to
//     2099. Past 2099 no equinox holiday is reported (Year reports it).
//   - The Olympic years moved three days by special act: 2020 海の日 7/23,
//     スポーツの日 7/24, 山の日 8/10; 2021 海の日 7/22, スポーツの日 7/23,
//     山の日 8/8.
//   - Single days by special act: 1959/4/10, 1989/2/24, 1990/11/12,
//     1993/6/9, 2019/5/1 and 2019/10/22.
//   - Substitute holidays (振替休日): from 1973/4/12 a holiday on a Sunday
//     makes the next day a holiday; from 2007 the next day that is not a
//     national holiday.
//   - Citizens' holidays (国民の休日): from 1985/12/27 a day between two
//     national holidays that is not itself a Sunday or a substitute holiday
//     is a holiday (5/4 until 2006, some Septembers, 2019/4/30 and 5/2).
//
// The test compares every year of the Cabinet Office's published list
// (syukujitsu.csv, 1955-2027) with this package, date by date.
package jpholiday
