import { useLiveQuery } from 'dexie-react-hooks';
import { useEffect, useState } from 'react';
import type { Campaign } from '../../../shared/campaign/campaign';
import { db } from '../../db';
import { creativeNameOf } from '../../db/creatives';
import { studio } from '../../trpc';
import { ActiveCreativeView, type CampaignExperiment } from './ActiveCreativeView';

/** How often the live leader is read again while the campaign is open. */
const liveRefreshMs = 30_000;

/** The campaign's creative with the names this device knows, and the Hub's live results when Studio is signed in to it. */
export function CampaignCreative({ campaign }: { campaign: Campaign }) {
  const activeCreative = campaign.activeCreative;
  const localName = useLiveQuery(() => (activeCreative ? creativeNameOf(db, activeCreative) : Promise.resolve(null)), [activeCreative?.recordType, activeCreative?.recordId]);
  const renderName = useRenderName(activeCreative?.recordType === 'render' ? activeCreative.recordId : null);
  // Read again when a promotion arrives by sync, so the finished experiment stops showing as live.
  const experiments = useCampaignExperiments(campaign.id, activeCreative?.promotedAt ?? null);
  return <ActiveCreativeView activeCreative={activeCreative} creativeName={localName ?? renderName} experiments={experiments} />;
}

/** A render's composition name from main's render history (null when it was not rendered on this device). */
function useRenderName(renderId: string | null): string | null {
  const [name, setName] = useState<string | null>(null);
  useEffect(() => {
    if (!renderId) return;
    let live = true;
    studio.render.list
      .query()
      .then((jobs) => live && setName(jobs.find((job) => job.id === renderId)?.compositionName ?? null))
      .catch(() => undefined);
    return () => {
      live = false;
    };
  }, [renderId]);
  return renderId ? name : null;
}

/** The campaign's experiments from the Hub, read again now and then; null while signed out or offline (the synced winner still shows). */
function useCampaignExperiments(campaignId: string, promotedAt: string | null): CampaignExperiment[] | null {
  const [experiments, setExperiments] = useState<CampaignExperiment[] | null>(null);
  useEffect(() => {
    let live = true;
    const read = () =>
      studio.hub.experiments.forCampaign
        .query({ campaignId })
        .then((answer) => live && setExperiments(answer.experiments))
        .catch(() => live && setExperiments(null));
    void read();
    const timer = setInterval(() => void read(), liveRefreshMs);
    return () => {
      live = false;
      clearInterval(timer);
    };
  }, [campaignId, promotedAt]);
  return experiments;
}
