//! The thirty-day sales chart: an inline SVG drawn on the server (no script, no chart library),
//! one bar per day scaled to the best day, each with its `<title>`; `role="img"` with a summary
//! for screen readers, and the same numbers right after it as a real table.
//!
//! The drawing has a fixed coordinate system (its `viewBox`) and scales to the card's width;
//! the text's size is set per screen width in the stylesheet so it stays readable on a phone.

use leptos::prelude::*;

use super::DaySales;
use crate::i18n::{t, td_string, use_i18n};
use crate::ui::fill;
use domain::money::Money;

const WIDTH: i64 = 600;
const HEIGHT: i64 = 240;
/// The plot's top and bottom: room above for the axis label, below for the dates.
const TOP: i64 = 34;
const BOTTOM: i64 = 206;
/// A day's slot and the gap between two bars, in the drawing's units.
const GAP: i64 = 6;
/// A day that sold anything shows at least this tall, however small beside the best day.
const MIN_BAR: i64 = 3;

/// One bar: where it is drawn, in the drawing's units.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Bar {
    pub x: i64,
    pub y: i64,
    pub width: i64,
    pub height: i64,
}

/// The bars of `days`, the best day reaching the top of the plot. Heights are proportional
/// to the amounts (integer arithmetic on minor units: no float touches money).
pub fn bars(days: &[DaySales]) -> Vec<Bar> {
    let max = best(days).map(|m| m.minor).unwrap_or(0);
    let slot = WIDTH / (days.len().max(1) as i64);
    let plot = BOTTOM - TOP;
    days.iter()
        .enumerate()
        .map(|(i, d)| {
            let height = match d.amount.minor {
                m if m <= 0 || max <= 0 => 0,
                m => ((i128::from(m) * i128::from(plot) / i128::from(max)) as i64).max(MIN_BAR),
            };
            Bar { x: i as i64 * slot + GAP / 2, y: BOTTOM - height, width: slot - GAP, height }
        })
        .collect()
}

/// The best day's amount, if any day sold anything.
fn best(days: &[DaySales]) -> Option<Money> {
    days.iter().map(|d| d.amount).filter(|m| m.minor > 0).max_by_key(|m| m.minor)
}

#[component]
pub fn SalesChart(days: Vec<DaySales>) -> impl IntoView {
    let i18n = use_i18n();
    let l = i18n.get_locale_untracked();
    let money = move |m: Money| crate::words::money(l, m);
    let (Some(first), Some(last)) = (days.first().cloned(), days.last().cloned()) else {
        return ().into_any();
    };
    let orders: i64 = days.iter().map(|d| d.orders).sum();
    let total = days.iter().try_fold(Money::zero(first.amount.currency), |sum, d| sum.checked_add(d.amount)).ok();
    let best_day = days.iter().filter(|d| d.amount.minor > 0).max_by_key(|d| d.amount.minor).cloned();
    let summary = match (&best_day, total) {
        (Some(b), Some(total)) => fill(
            td_string!(l, merchant.d_chart_summary),
            &[
                ("from", first.day.to_string()),
                ("to", last.day.to_string()),
                ("orders", orders.to_string()),
                ("total", money(total)),
                ("best_day", b.day.to_string()),
                ("best", money(b.amount)),
            ],
        ),
        _ => fill(td_string!(l, merchant.d_chart_empty_summary), &[("from", first.day.to_string()), ("to", last.day.to_string())]),
    };
    let max_label = match &best_day {
        Some(b) => fill(td_string!(l, merchant.d_chart_max), &[("amount", money(b.amount))]),
        None => td_string!(l, merchant.d_chart_nothing).to_string(),
    };
    let today = last.day;
    let bars = bars(&days);
    let slot = WIDTH / days.len() as i64;
    view! {
        <svg
            class="sales-chart"
            viewBox=format!("0 0 {WIDTH} {HEIGHT}")
            role="img"
            aria-label=summary
            xmlns="http://www.w3.org/2000/svg"
        >
            <text class="axis-label" x="0" y="22">{max_label}</text>
            <line class="grid" x1="0" y1=TOP x2=WIDTH y2=TOP/>
            <line class="baseline" x1="0" y1=BOTTOM x2=WIDTH y2=BOTTOM/>
            {days.iter().zip(bars).enumerate().map(|(i, (d, b))| {
                let tip = fill(
                    td_string!(l, merchant.d_chart_bar),
                    &[("day", d.day.to_string()), ("orders", d.orders.to_string()), ("amount", money(d.amount))],
                );
                let class = if d.day == today { "bar today" } else { "bar" };
                view! {
                    <g>
                        <title>{tip}</title>
                        // The whole day's column answers the pointer, not only its (maybe tiny) bar.
                        <rect class="hit" x={i as i64 * slot} y=TOP width=slot height={BOTTOM - TOP}/>
                        <rect class=class x=b.x y=b.y width=b.width height=b.height rx="2"/>
                    </g>
                }
            }).collect_view()}
            <text class="axis-label" x="0" y={HEIGHT - 8}>{first.day.to_string()}</text>
            <text class="axis-label" x=WIDTH y={HEIGHT - 8} text-anchor="end">{last.day.to_string()}</text>
        </svg>
        <details class="chart-table">
            <summary>{t!(i18n, merchant.d_show_table)}</summary>
            <div class="table-scroll">
                <table class="day-table">
                    <caption>{t!(i18n, merchant.d_table_caption)}</caption>
                    <thead>
                        <tr>
                            <th scope="col">{t!(i18n, merchant.d_col_day)}</th>
                            <th scope="col" class="num">{t!(i18n, merchant.d_col_orders)}</th>
                            <th scope="col" class="num">{t!(i18n, merchant.d_col_sales)}</th>
                        </tr>
                    </thead>
                    <tbody>
                        {days.iter().map(|d| view! {
                            <tr class:today={d.day == today}>
                                <th scope="row">{d.day.to_string()}</th>
                                <td class="num">{d.orders}</td>
                                <td class="num">{money(d.amount)}</td>
                            </tr>
                        }).collect_view()}
                    </tbody>
                </table>
            </div>
        </details>
    }
    .into_any()
}

#[cfg(test)]
mod tests {
    use super::*;
    use domain::money::Currency;
    use time::macros::date;

    fn days(amounts: &[i64]) -> Vec<DaySales> {
        amounts
            .iter()
            .enumerate()
            .map(|(i, m)| DaySales {
                day: date!(2026 - 11 - 01) + time::Duration::days(i as i64),
                orders: i64::from(*m > 0),
                amount: Money::new(*m, Currency::USD),
            })
            .collect()
    }

    #[test]
    fn the_best_day_fills_the_plot_and_the_others_scale_to_it() {
        let mut amounts = vec![0; 30];
        amounts[3] = 10_000;
        amounts[4] = 5_000;
        amounts[5] = 1;
        let b = bars(&days(&amounts));
        assert_eq!(b.len(), 30);
        assert_eq!((b[3].y, b[3].height), (TOP, BOTTOM - TOP));
        assert_eq!(b[4].height, (BOTTOM - TOP) / 2);
        // A tiny sale still shows; a day without sales draws nothing.
        assert_eq!(b[5].height, MIN_BAR);
        assert_eq!((b[0].y, b[0].height), (BOTTOM, 0));
        // Side by side, inside the drawing.
        assert!(b.windows(2).all(|w| w[1].x > w[0].x + w[0].width));
        assert!(b.last().unwrap().x + b.last().unwrap().width <= WIDTH);
    }

    #[test]
    fn no_sales_draw_no_bars_and_huge_amounts_do_not_overflow() {
        assert!(bars(&days(&[0; 30])).iter().all(|b| b.height == 0));
        let b = bars(&days(&[i64::MAX, i64::MAX / 2]));
        assert_eq!(b[0].height, BOTTOM - TOP);
        let half = (BOTTOM - TOP) / 2;
        assert!((half - 1..=half).contains(&b[1].height), "{:?}", b[1]);
    }
}
