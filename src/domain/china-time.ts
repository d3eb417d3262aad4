/**
 * The wall-clock zone of day boundaries and working hours where no setting names one: the corps
 * this product serves work in China. (Distribution policies carry a zone of their own.)
 */
export const CHINA_TIME_ZONE = 'Asia/Shanghai';
