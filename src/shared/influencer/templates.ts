import type { ToneStyle } from './persona';

/**
 * The offline writer's phrasebook, per tone. `{product}`, `{benefit}`,
 * `{niche}`, `{brand}` and `{handle}` are filled in; every line is a whole
 * sentence so they can be combined freely.
 */
export interface Phrasebook {
  hooks: string[];
  bridges: string[];
  benefits: string[];
  ctas: string[];
}

export const phrasebooks: Record<ToneStyle, Phrasebook> = {
  energetic: {
    hooks: [
      'Stop scrolling, this changed my {niche} routine overnight!',
      'Okay, I was NOT ready for how good {product} is.',
      'Three seconds: that is all it took to fall for {product}.',
      'If your {niche} game needs a boost, watch this.',
      'POV: you finally found the {niche} upgrade you needed.',
      'You asked what I use every single day. Here it is!',
    ],
    bridges: ['Here is the thing.', 'Let me show you why.', 'And it gets better.', 'No joke.'],
    benefits: ['It {benefit}, and I noticed on day one.', 'Best part? It {benefit}.', 'It honestly {benefit}.', 'Plus, it {benefit}.'],
    ctas: ['Tap the link and grab yours before it sells out!', 'Go get {product} now, you can thank me later!', 'Link is right there, do not wait!', 'Follow {handle} for more, and grab {product} today!'],
  },
  calm: {
    hooks: [
      'A small change made my {niche} mornings feel slower, in a good way.',
      'Let me share something that quietly made a difference.',
      'I have been using {product} for a while now. Here is my honest take.',
      'If you care about {niche}, this one is worth a moment.',
      'Some things just work. {product} is one of them.',
    ],
    bridges: ['Here is what I noticed.', 'It is simple, really.', 'Over the weeks, one thing stood out.', 'Nothing flashy.'],
    benefits: ['It {benefit}.', 'Gently, it {benefit}.', 'Day after day, it {benefit}.', 'What I like most is that it {benefit}.'],
    ctas: ['If that sounds like you, the link is below.', 'Take a look at {product} when you have a moment.', 'You will find {product} through the link.', 'Save this for later, and see {product} via the link.'],
  },
  authoritative: {
    hooks: [
      'Most {niche} advice skips one thing. This is it.',
      'I tested {product} so you do not have to. Here are the facts.',
      'Three reasons {product} belongs in your {niche} setup.',
      'Before you buy anything for {niche}, know this.',
      'The data is clear on what actually helps with {niche}.',
    ],
    bridges: ['Here is the breakdown.', 'First point.', 'Next.', 'The numbers matter here.'],
    benefits: ['It {benefit}, which is what you should look for.', 'Crucially, it {benefit}.', 'In my testing, it {benefit}.', 'It also {benefit}.'],
    ctas: ['See the full details of {product} at the link.', 'Compare for yourself: {product} is linked below.', 'Make an informed choice and check {product} out.', 'Follow {handle} for more tested picks.'],
  },
  playful: {
    hooks: [
      'Plot twist: my {niche} era just got an upgrade.',
      'Me, pretending I did not just buy {product} again.',
      'Rating {product} like a very serious judge. Ready?',
      'Tell me you love {niche} without telling me you love {niche}.',
      'Unboxing joy, one {product} at a time.',
    ],
    bridges: ['Okay, focus.', 'Wait for it.', 'Serious face now.', 'Drumroll please.'],
    benefits: ['It {benefit}. Ten out of ten.', 'Also it {benefit}, which is basically magic.', 'It {benefit}, and I am obsessed.', 'Bonus points: it {benefit}.'],
    ctas: ['Go treat yourself, the link is waiting!', 'Snag {product} before your bestie does!', 'Link below, you know what to do!', 'Follow {handle} for more happy little finds!'],
  },
};
