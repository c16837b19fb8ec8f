#include "DashboardPage.h"

#include "CallStats.h"
#include "TrendHistory.h"

#include <QBarSet>
#include <QChart>
#include <QChartView>
#include <QDateTime>
#include <QDateTimeAxis>
#include <QGridLayout>
#include <QLineSeries>
#include <QStackedBarSeries>
#include <QValueAxis>
#include <algorithm>

using namespace Qt::StringLiterals;

namespace {
QLineSeries *line(const QString &name, const QColor &colour, QChart *chart)
{
    auto *s = new QLineSeries(chart);
    s->setName(name);
    QPen pen(colour);
    pen.setWidthF(2);
    s->setPen(pen);
    chart->addSeries(s);
    return s;
}

// 0..max with ticks on whole numbers only (counts have no fractions).
void setIntegerRange(QValueAxis *axis, int max)
{
    int step = 1;
    while (max / step > 6)
        step *= max / step > 30 ? 5 : 2;
    const int top = (max + step - 1) / step * step;
    axis->setRange(0, top);
    axis->setTickCount(top / step + 1);
}

QChart *chart(const QString &title)
{
    auto *c = new QChart;
    c->setTitle(title);
    c->legend()->setAlignment(Qt::AlignBottom);
    c->setMargins(QMargins(4, 4, 4, 4));
    c->setAnimationOptions(QChart::NoAnimation);
    return c;
}

// A time axis (HH:mm, `ticks` labels) at the bottom and a count axis (from 0 when `fromZero`) on
// the left of `chart`, both attached to every one of `series`.
void addTimeAxes(QChart *chart, const QList<QLineSeries *> &series, int ticks, bool fromZero,
                 QDateTimeAxis **x, QValueAxis **y)
{
    *x = new QDateTimeAxis(chart);
    (*x)->setFormat(u"HH:mm"_s);
    (*x)->setTickCount(ticks);
    *y = new QValueAxis(chart);
    (*y)->setLabelFormat(u"%d"_s);
    if (fromZero)
        (*y)->setMin(0);
    chart->addAxis(*x, Qt::AlignBottom);
    chart->addAxis(*y, Qt::AlignLeft);
    for (QLineSeries *s : series) {
        s->attachAxis(*x);
        s->attachAxis(*y);
    }
}
} // namespace

DashboardPage::DashboardPage(TrendHistory *trends, CallStats *calls, QWidget *parent)
    : QWidget(parent), m_trends(trends), m_calls(calls)
{
    // Last hour, live.
    QChart *live = chart(tr("Last hour (every second)"));
    m_peers = line(tr("Peers"), QColor(0x1f, 0x6f, 0xeb), live);
    m_rooms = line(tr("Rooms"), QColor(0x2d, 0xa4, 0x4e), live);
    m_ringing = line(tr("Rings in flight"), QColor(0xd9, 0x77, 0x06), live);
    addTimeAxes(live, {m_peers, m_rooms, m_ringing}, 7, true, &m_liveX, &m_liveY);

    // Calls per hour today.
    QChart *perHour = chart(tr("Calls per hour today"));
    auto *bars = new QStackedBarSeries(perHour);
    m_answered = new QBarSet(tr("Answered"), bars);
    m_missed = new QBarSet(tr("Missed"), bars);
    m_declined = new QBarSet(tr("Declined"), bars);
    m_answered->setColor(QColor(0x2d, 0xa4, 0x4e));
    m_missed->setColor(QColor(0xcf, 0x22, 0x2e));
    m_declined->setColor(QColor(0x8c, 0x95, 0x9f));
    for (QBarSet *set : {m_answered, m_missed, m_declined}) {
        for (int h = 0; h < 24; ++h)
            set->append(0);
        bars->append(set);
    }
    perHour->addSeries(bars);
    // A value axis, not categories: 24 hour labels never fit, a tick every three hours does.
    auto *hoursAxis = new QValueAxis(perHour);
    hoursAxis->setRange(-0.5, 23.5);
    hoursAxis->setTickType(QValueAxis::TicksDynamic);
    hoursAxis->setTickAnchor(0);
    hoursAxis->setTickInterval(3);
    hoursAxis->setLabelFormat(u"%d:00"_s);
    hoursAxis->setGridLineVisible(false);
    m_callsY = new QValueAxis(perHour);
    m_callsY->setLabelFormat(u"%d"_s);
    m_callsY->setRange(0, 4);
    perHour->addAxis(hoursAxis, Qt::AlignBottom);
    perHour->addAxis(m_callsY, Qt::AlignLeft);
    bars->attachAxis(hoursAxis);
    bars->attachAxis(m_callsY);

    // Trunk registration over time.
    QChart *trunks = chart(tr("Trunks registered"));
    m_trunkRegistered = line(tr("Registered"), QColor(0x2d, 0xa4, 0x4e), trunks);
    m_trunkTotal = line(tr("Configured"), QColor(0x8c, 0x95, 0x9f), trunks);
    addTimeAxes(trunks, {m_trunkRegistered, m_trunkTotal}, 5, false, &m_trunkX, &m_trunkY);

    auto *grid = new QGridLayout(this);
    grid->setContentsMargins(0, 0, 0, 0);
    grid->addWidget(makeView(live, this), 0, 0, 1, 2);
    grid->addWidget(makeView(perHour, this), 1, 0);
    grid->addWidget(makeView(trunks, this), 1, 1);
    grid->setRowStretch(0, 1);
    grid->setRowStretch(1, 1);
    grid->setColumnStretch(0, 3); // room for 24 hour labels
    grid->setColumnStretch(1, 2);

    connect(trends, &TrendHistory::sampled, this, &DashboardPage::addSample);
    connect(trends, &TrendHistory::trunksSampled, this, &DashboardPage::updateTrunks);
    connect(trends, &TrendHistory::cleared, this, &DashboardPage::rebuild);
    connect(calls, &CallStats::changed, this, &DashboardPage::updateCalls);
    rebuild();
}

QChartView *DashboardPage::makeView(QChart *chart, QWidget *parent)
{
    auto *view = new QChartView(chart, parent); // the view owns its chart
    view->setRenderHint(QPainter::Antialiasing);
    view->setMinimumHeight(180);
    return view;
}

void DashboardPage::rebuild()
{
    QList<QPointF> peers, rooms, ringing;
    int top = 1;
    for (const TrendHistory::Sample &s : m_trends->samples()) {
        peers.append(QPointF(qreal(s.ms), s.peers));
        rooms.append(QPointF(qreal(s.ms), s.rooms));
        ringing.append(QPointF(qreal(s.ms), s.ringing));
        top = std::max({top, s.peers, s.rooms, s.ringing});
    }
    m_peers->replace(peers);
    m_rooms->replace(rooms);
    m_ringing->replace(ringing);
    const qint64 now = m_trends->samples().isEmpty() ? QDateTime::currentMSecsSinceEpoch()
                                                     : m_trends->samples().last().ms;
    m_liveX->setRange(QDateTime::fromMSecsSinceEpoch(now - TrendHistory::windowMs),
                      QDateTime::fromMSecsSinceEpoch(now));
    setIntegerRange(m_liveY, top + 1);
    updateCalls();
    updateTrunks();
}

void DashboardPage::addSample()
{
    const TrendHistory::Sample &s = m_trends->samples().last();
    // Drop what fell out of the hour, then append: cheap enough once a second.
    const qreal oldest = qreal(s.ms - TrendHistory::windowMs);
    for (QLineSeries *series : {m_peers, m_rooms, m_ringing}) {
        int drop = 0;
        while (drop < series->count() && series->at(drop).x() < oldest)
            ++drop;
        if (drop > 0)
            series->removePoints(0, drop);
    }
    m_peers->append(qreal(s.ms), s.peers);
    m_rooms->append(qreal(s.ms), s.rooms);
    m_ringing->append(qreal(s.ms), s.ringing);
    m_liveX->setRange(QDateTime::fromMSecsSinceEpoch(s.ms - TrendHistory::windowMs),
                      QDateTime::fromMSecsSinceEpoch(s.ms));
    const int top = std::max({s.peers, s.rooms, s.ringing});
    if (top + 1 > m_liveY->max())
        setIntegerRange(m_liveY, top + 1);
}

void DashboardPage::updateCalls()
{
    const QList<CallStats::Hour> &hours = m_calls->hours();
    int top = 3;
    for (int h = 0; h < hours.size() && h < 24; ++h) {
        m_answered->replace(h, hours[h].answered);
        m_missed->replace(h, hours[h].missed);
        m_declined->replace(h, hours[h].declined);
        top = std::max(top, hours[h].answered + hours[h].missed + hours[h].declined);
    }
    setIntegerRange(m_callsY, top + 1);
}

void DashboardPage::updateTrunks()
{
    // A step line: each change holds until the next one, the last until now.
    QList<QPointF> registered, total;
    int top = 1;
    const auto &samples = m_trends->trunkSamples();
    for (int i = 0; i < samples.size(); ++i) {
        const auto &t = samples[i];
        if (i > 0) {
            registered.append(QPointF(qreal(t.ms), samples[i - 1].registered));
            total.append(QPointF(qreal(t.ms), samples[i - 1].total));
        }
        registered.append(QPointF(qreal(t.ms), t.registered));
        total.append(QPointF(qreal(t.ms), t.total));
        top = std::max(top, t.total);
    }
    const qint64 now = QDateTime::currentMSecsSinceEpoch();
    if (!samples.isEmpty()) {
        registered.append(QPointF(qreal(now), samples.last().registered));
        total.append(QPointF(qreal(now), samples.last().total));
    }
    m_trunkRegistered->replace(registered);
    m_trunkTotal->replace(total);
    const qint64 start = samples.isEmpty() ? now - TrendHistory::windowMs : samples.first().ms;
    m_trunkX->setRange(QDateTime::fromMSecsSinceEpoch(std::min(start, now - 60000)),
                       QDateTime::fromMSecsSinceEpoch(now));
    setIntegerRange(m_trunkY, top + 1);
}
