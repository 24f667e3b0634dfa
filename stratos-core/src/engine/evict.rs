//! Making room: which stream goes when `max_streams` is reached (see the module docs of
//! [`super`]), and dropping a stream's state.

use std::collections::VecDeque;

use super::tenant::TenantState;
use super::{Engine, Slot};

impl Engine {
    /// Makes room for a stream of tenant `opener` (see the module docs): the group furthest
    /// over its share gives a stream, the pool before a listed tenant on a tie.
    pub(super) fn evict_for(&mut self, opener: usize) {
        let max = self.config.max_streams as i64;
        let listed: Vec<usize> = (0..self.tenants.len())
            .filter(|&t| self.tenants[t].listed)
            .collect();
        let fair = max / (listed.len() as i64 + 1);
        let share_of = |t: &TenantState| {
            t.policy
                .limits
                .max_concurrent_streams
                .map_or(fair, |m| i64::try_from(m).unwrap_or(i64::MAX))
        };
        let reserved: i64 = listed
            .iter()
            .map(|&t| share_of(&self.tenants[t]))
            .fold(0i64, i64::saturating_add);
        // (excess over share, pool first on a tie, live streams): the largest is the victim.
        let mut best: Option<((i64, bool, i64), Option<usize>)> = None;
        if self.pool_live > 0 {
            let live = self.pool_live as i64;
            let key = (live - max.saturating_sub(reserved).max(0), true, live);
            best = Some((key, None));
        }
        for &t in &listed {
            let live = self.tenants[t].stats.live_streams as i64;
            if live == 0 {
                continue;
            }
            let key = (live.saturating_sub(share_of(&self.tenants[t])), false, live);
            if best.as_ref().is_none_or(|(k, _)| key > *k) {
                best = Some((key, Some(t)));
            }
        }
        match best {
            Some((_, Some(t))) => {
                self.evict_from_tenant(t);
            }
            Some((_, None)) => {
                // In the pool: a tenant holding at least its fair part evicts its own.
                let opener_state = &self.tenants[opener];
                let pool_tenants = (0..self.tenants.len())
                    .filter(|&t| !self.tenants[t].listed && self.tenants[t].stats.live_streams > 0)
                    .count()
                    .max(1);
                let fair_part = (self.pool_live / pool_tenants).max(1) as u64;
                if !opener_state.listed
                    && opener_state.stats.live_streams >= fair_part
                    && self.evict_from_tenant(opener)
                {
                    return;
                }
                self.evict_from_pool();
            }
            None => {}
        }
    }

    /// Pops the least recently fed live stream off `queue` (a second-chance queue: a stream
    /// fed since it was queued goes back to the end with its latest tick; each requeue stands
    /// for a record fed, so the cost is amortized O(1) per record).
    fn pop_least_recent(
        slots: &[Option<Slot>],
        queue: &mut VecDeque<(usize, u64, u64)>,
    ) -> Option<usize> {
        while let Some((i, id, tick)) = queue.pop_front() {
            let Some(slot) = slots.get(i).and_then(Option::as_ref) else {
                continue;
            };
            if slot.id != id {
                continue;
            }
            if slot.last_tick != tick {
                queue.push_back((i, id, slot.last_tick));
                continue;
            }
            return Some(i);
        }
        None
    }

    /// Evicts tenant `t`'s least recently fed stream; `false` when it has none.
    fn evict_from_tenant(&mut self, t: usize) -> bool {
        let found = match self.queues.get_mut(t) {
            Some(q) => Self::pop_least_recent(&self.slots, q),
            None => None,
        };
        // The queue holds every live stream of the tenant; should it not, a scan still keeps
        // the bound.
        let victim = found.or_else(|| {
            self.slots
                .iter()
                .enumerate()
                .filter_map(|(i, s)| s.as_ref().map(|s| (i, s)))
                .filter(|(_, s)| s.tenant == t)
                .min_by_key(|(_, s)| s.last_tick)
                .map(|(i, _)| i)
        });
        match victim {
            Some(i) => {
                self.evict(i);
                true
            }
            None => false,
        }
    }

    /// Evicts the pool's least recently fed stream.
    fn evict_from_pool(&mut self) {
        let found = Self::pop_least_recent(&self.slots, &mut self.pool_queue);
        let victim = found.or_else(|| {
            let tenants = &self.tenants;
            self.slots
                .iter()
                .enumerate()
                .filter_map(|(i, s)| s.as_ref().map(|s| (i, s)))
                .filter(|(_, s)| tenants.get(s.tenant).is_some_and(|t| !t.listed))
                .min_by_key(|(_, s)| s.last_tick)
                .map(|(i, _)| i)
        });
        if let Some(i) = victim {
            self.evict(i);
        }
    }

    pub(super) fn evict(&mut self, i: usize) {
        let Some(slot) = self.slots.get_mut(i).and_then(Option::take) else {
            return;
        };
        if let Some(map) = self.maps.get_mut(slot.tenant) {
            map.remove(slot.name.as_str());
        }
        if let Some(t) = self.tenants.get_mut(slot.tenant) {
            t.stats.live_streams = t.stats.live_streams.saturating_sub(1);
            if !t.listed {
                self.pool_live = self.pool_live.saturating_sub(1);
            }
        }
        self.free.push(i);
        self.live -= 1;
        self.stats.streams_evicted += 1;
    }
}
